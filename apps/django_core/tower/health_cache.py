"""The stack's health as ``/api/services/`` serves it: checked at most once every CACHE_S seconds by all
the processes of this server together, however many pages poll it.

The report is kept in a file, one per port, in a directory of this user's among the system's
temporary files (mode 700: no other user can put a report there). The process that finds it stale
takes an exclusive lock on a file beside it, looks again (another may have just checked), checks
the stack and writes the report (a rename: readers see a whole one). So at most one MySQL
connection and one call to each other service per period, whatever the number of tabs, workers and
threads. Where there is no ``fcntl`` (Windows), the lock is this process's.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_S = 5.0
# How often the overview's tiles ask /api/services/ (ms, after the previous answer), which checks the
# stack at most once every CACHE_S for every tab: with its 1 s connect and 3 s read timeouts, a service
# that goes down turns red within 5 + 5 + 4 = 14 s. Here, not in the views, so the bench reads it
# without setting Django up.
HEALTH_POLL_MS = 5000

_process_lock = threading.Lock()
_directory: Path | None = None


def cache_path(port: int) -> Path:
    """Where the server on ``port`` keeps its report: in this user's own directory (made mode 700);
    when that name is taken by someone else, in a fresh one of this process's."""
    global _directory
    if _directory is None:
        owner = os.getuid() if hasattr(os, "getuid") else 0
        directory = Path(tempfile.gettempdir()) / f"aetherion-{owner}"
        directory.mkdir(mode=0o700, exist_ok=True)
        found = directory.lstat()
        mine = found.st_uid == owner and stat.S_ISDIR(found.st_mode) and not found.st_mode & 0o077
        _directory = directory if mine else Path(tempfile.mkdtemp(prefix="aetherion-"))
    return _directory / f"stack-health-{port}.json"


def cached(path: Path, compute: Callable[[], dict[str, Any]], period_s: float | None = None) -> dict[str, Any]:
    """The report kept at ``path`` if younger than ``period_s`` (CACHE_S), else ``compute()``'s, kept there."""
    period_s = CACHE_S if period_s is None else period_s
    fresh = _fresh(path, period_s)
    if fresh is not None:
        return fresh
    with _exclusive(path.with_suffix(".lock")):
        fresh = _fresh(path, period_s)
        if fresh is not None:
            return fresh
        report = compute()
        staged = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        staged.write_text(json.dumps({"checked_at": time.time(), "report": report}))
        os.replace(staged, path)
        return report


def _fresh(path: Path, period_s: float) -> dict[str, Any] | None:
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    age = time.time() - float(kept.get("checked_at", 0))
    report: dict[str, Any] = kept.get("report", {})
    return report if 0 <= age < period_s else None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: one process's threads, at least
        with _process_lock:
            yield
        return
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
