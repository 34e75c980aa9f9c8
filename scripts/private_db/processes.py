"""One program of a private server: how it starts, where it logs, how it is found again and stopped."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import process_groups


class ServerError(Exception):
    """Something a private server cannot do; the message says what to do."""


@dataclass
class ServerProcess:
    """A program of a private server (mysqld, mongod, postgres or ferretdb).

    ``marker`` is a string of its command line that tells this server's process from any other
    (its data directory, say), so a pid file left by a dead one is never taken for it.
    ``ready`` says whether it answers; ``after_ready`` runs once it does (e.g. create a database).
    ``before_start`` runs before each start (e.g. clear a lock file a killed server left behind).
    ``stop_signal`` is the signal for a quick clean stop (PostgreSQL's is SIGINT: SIGTERM waits for
    every client to leave).
    """

    name: str
    argv: list[str]
    cwd: Path
    log_file: Path
    pid_file: Path
    marker: str
    ready: Callable[[], bool]
    env: dict[str, str] | None = None
    after_ready: Callable[[], None] | None = None
    before_start: Callable[[], None] | None = None
    stop_signal: int = signal.SIGTERM
    user: str | None = None  # run as this user (PostgreSQL refuses to run as root)
    start_timeout_s: float = 90
    popen_options: dict[str, Any] = field(default_factory=dict)

    def recorded_pid(self) -> int | None:
        """The pid of this process when the one recorded in its pid file still runs."""
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if is_running(pid, self.marker) else None


def is_running(pid: int, marker: str) -> bool:
    """True when ``pid`` is a live process whose command line contains ``marker``."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and marker in cmdline


def start(process: ServerProcess, *, detached: bool) -> subprocess.Popen[Any]:
    """Start ``process`` with its output appended to its log; record its pid.

    Detached, it gets a session of its own and outlives this launcher (``make run``); otherwise it
    stays in this process group, so a signal to the group (honcho stopping a Procfile line)
    reaches it too.
    """
    if process.before_start is not None:
        process.before_start()
    process.log_file.parent.mkdir(parents=True, exist_ok=True)
    with process.log_file.open("ab") as log:
        child = subprocess.Popen(
            process.argv,
            cwd=process.cwd,
            env=process.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            **(process_groups.group_options() if detached else {}),
            **process.popen_options,
        )
    process.pid_file.write_text(f"{child.pid}\n")
    return child


def wait_ready(process: ServerProcess, child: subprocess.Popen[Any] | None, pid: int) -> None:
    """Wait until ``process`` answers; raise ServerError naming its log if it exits or times out."""
    deadline = time.monotonic() + process.start_timeout_s
    while not process.ready():
        exited = child.poll() is not None if child is not None else not is_running(pid, process.marker)
        if exited:  # its pid file stays: a watcher restarts it
            raise ServerError(f"{process.name} exited at start; see {shown(process.log_file)}")
        if time.monotonic() > deadline:
            raise ServerError(
                f"{process.name} did not answer in {process.start_timeout_s:g} s; see {shown(process.log_file)}"
            )
        time.sleep(0.2)
    if process.after_ready is not None:
        process.after_ready()


def stop(process: ServerProcess, timeout: float = 30) -> int | None:
    """Stop the recorded process, if it runs (its stop signal, then SIGKILL); return its pid.

    The pid file goes first: a watcher restarts a process whose pid file outlives it, and this
    one is stopped on purpose.
    """
    pid = process.recorded_pid()
    process.pid_file.unlink(missing_ok=True)
    if pid is None:
        return None
    process_groups.signal_process(pid, process.stop_signal)
    deadline = time.monotonic() + timeout
    while is_running(pid, process.marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    if is_running(pid, process.marker):
        process_groups.signal_process(pid, process_groups.KILL)
    return pid


def shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    from apps.common.config import REPO_ROOT

    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
