"""requirements/lock.txt: every package `make setup` installs, transitive ones too, each with its hashes.

    python -m scripts.requirements_lock compile   # after changing a requirements/*.txt file
    python -m scripts.requirements_lock check     # `make lint`: exit 1 when the lock no longer matches them

Both compile requirements/dev.txt (which includes every service's file) with uv, for every platform
(``--universal``: the Windows job installs from the same lock). ``check`` compiles again into a copy
of the lock, which uv reads as its preferences, so a new release on PyPI changes nothing: only a
requirement file that no longer matches the lock does. It needs PyPI (or uv's cache).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("requirements") / "dev.txt"  # relative: the lock's `via` lines name the files so
LOCK = Path("requirements") / "lock.txt"
COMPILE_COMMAND = "python -m scripts.requirements_lock compile"


class LockError(Exception):
    """The lock cannot be compiled, or does not match; the message is one line."""


def uv_program() -> str:
    """uv from the virtual environment (requirements/lint.txt), else from PATH."""
    beside = Path(sys.executable).parent / ("uv.exe" if sys.platform == "win32" else "uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise LockError("uv is not installed: run `make setup` (requirements/lint.txt pins it)")
    return found


def compile_lock(output: Path, root: Path = REPO_ROOT) -> None:
    """Write the hashed lock of ``root``'s requirements/dev.txt to ``output`` (its pins kept where they still fit)."""
    command = [
        uv_program(),
        "pip",
        "compile",
        "--quiet",
        "--universal",
        "--generate-hashes",
        "--python-version",
        "3.11",
        "--custom-compile-command",
        COMPILE_COMMAND,
        str(SOURCE),
        "--output-file",
        str(output),
    ]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise LockError(f"uv pip compile {SOURCE} failed: {last}")


def lock_differences(root: Path = REPO_ROOT) -> list[str]:
    """The lines by which root's lock differs from a fresh compile of its requirement files (none: it matches)."""
    lock = root / LOCK
    if not lock.exists():
        raise LockError(f"{LOCK.as_posix()} is missing: run `{COMPILE_COMMAND}`")
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "lock.txt"
        shutil.copyfile(lock, fresh)
        compile_lock(fresh, root)
        expected = fresh.read_text(encoding="utf-8").splitlines()
    diff = difflib.unified_diff(lock.read_text(encoding="utf-8").splitlines(), expected, lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.requirements_lock",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["compile", "check"])
    args = parser.parse_args(argv)
    try:
        if args.action == "compile":
            compile_lock(LOCK)
            print(f"requirements_lock: wrote {LOCK.as_posix()}", file=sys.stderr)
            return 0
        differences = lock_differences()
    except LockError as exc:
        print(f"requirements_lock: {exc}", file=sys.stderr)
        return 1
    if differences:
        changed = sorted({line[1:].split("==")[0].strip() for line in differences if "==" in line})
        print(
            f"requirements_lock: {LOCK.as_posix()} does not match the requirement files "
            f"({', '.join(changed) or 'which files require its packages'}): run `{COMPILE_COMMAND}`",
            file=sys.stderr,
        )
        return 1
    print(f"requirements_lock: {LOCK.as_posix()} matches the requirement files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
