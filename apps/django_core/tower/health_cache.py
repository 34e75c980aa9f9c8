"""The stack's health as ``/api/services/`` serves it: checked at most once every CACHE_S seconds by all
the processes of this server together, however many pages poll it.

The report is kept in a file beside the system's temporary files, one per port; the process that
finds it stale takes an exclusive lock on a file beside it, looks again (another may have just
checked), checks the stack and writes the report (a rename: readers see a whole one). So one MySQL
connection and one call to each other service per period, whatever the number of tabs, workers and
threads. Where there is no ``fcntl`` (Windows), the lock is this process's.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_S = 5.0
_process_lock = threading.Lock()


def cache_path(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"aetherion-stack-health-{port}.json"


def cached(path: Path, compute: Callable[[], dict[str, Any]], period_s: float = CACHE_S) -> dict[str, Any]:
    """The report kept at ``path`` if younger than ``period_s``, else ``compute()``'s, kept there."""
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
