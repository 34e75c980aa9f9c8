"""What every check of scripts/doctor.py returns, and the small helpers their advice is made with.

Standard library only at import time: the doctor reports on a broken setup too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: ``fix`` is one line saying exactly what to do (empty when ok)."""

    name: str
    status: str
    detail: str
    fix: str = ""


def skipped(name: str) -> CheckResult:
    """A check that needs settings which do not load."""
    return CheckResult(name, WARN, "config invalid", "fix the config first (see the config check)")


def in_repo_venv() -> bool:
    return Path(sys.prefix).resolve() == (REPO_ROOT / ".venv").resolve()


def setup_fix() -> str:
    if in_repo_venv():
        return "run `make setup` (or `.venv/bin/pip install --require-hashes -r requirements/lock.txt`)"
    return f"run `make setup`, then run this with .venv/bin/python (this is {sys.executable})"


def shown(path: str | Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
