"""Keep private servers running: a program that dies is restarted, with capped backoff, and the
programs' log lines are echoed (under honcho, into its colour-coded stream).

Two modes:

- adopting (``local_db watch``, a line of the dev Procfile): the programs run detached, started by
  ``local_db ensure``; they outlive the watcher. Only a program whose pid file outlives it died
  unexpectedly (``local_db stop`` removes the pid file first), so only that one is restarted.
- owning (``local_db run``, the Procfile.test lines): the programs are this process's children;
  SIGTERM or SIGINT stops them, last started first, and ends the supervisor.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from scripts.private_db import processes
from scripts.private_db.processes import ServerError, ServerProcess

POLL_S = 0.5
MAX_RESTARTS = 5  # within RESTART_WINDOW_S; then the program is given up, with one line saying so
RESTART_WINDOW_S = 600
MAX_BACKOFF_S = 30


@dataclass
class Watched:
    """One program under watch: how to (re)build its definition, its child, its restarts, its log."""

    definition: Callable[[], ServerProcess]
    process: ServerProcess
    child: subprocess.Popen[Any] | None = None
    restarts: list[float] = field(default_factory=list)
    given_up: bool = False
    log_offset: int = 0
    due: float | None = None  # when a restart is due
    awaiting: bool = False  # restarted, not answering yet


class Supervisor:
    def __init__(
        self,
        definitions: list[Callable[[], ServerProcess]],
        *,
        owning: bool,
        say: Callable[[str], None],
        echo: Callable[[str], None] = print,
    ):
        self.owning, self.say, self.echo = owning, say, echo
        self.watched = [Watched(definition, definition()) for definition in definitions]
        self.stopping = False

    def start_all(self) -> None:
        """Owning: start every program in order, each answering before the next starts."""
        for item in self.watched:
            item.log_offset = _size(item.process.log_file)
            item.child = processes.start(item.process, detached=False)
            processes.wait_ready(item.process, item.child, item.child.pid)

    def adopt_all(self) -> None:
        """Adopting: follow the programs already running; echo their logs from now on."""
        for item in self.watched:
            item.log_offset = _size(item.process.log_file)

    def run(self) -> int:
        """Watch until SIGTERM or SIGINT; return the exit code."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        while not self.stopping:
            for item in self.watched:
                self._echo_log(item)
                self._check(item)
            time.sleep(POLL_S)
        if self.owning:
            for item in reversed(self.watched):
                processes.stop(item.process, timeout=20)
                if item.child is not None:
                    item.child.wait(5)
        for item in self.watched:
            self._echo_log(item)
        return 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _check(self, item: Watched) -> None:
        if item.given_up or self.stopping:
            return
        if self._running(item):
            if item.awaiting and item.process.ready():
                item.awaiting = False
                if item.process.after_ready is not None:
                    item.process.after_ready()
                self.say(f"{item.process.name} answers again")
            return
        if not self.owning and not item.process.pid_file.exists():
            return  # stopped on purpose (`local_db stop`)
        now = time.monotonic()
        if item.due is None:
            item.restarts = [t for t in item.restarts if now - t < RESTART_WINDOW_S]
            if len(item.restarts) >= MAX_RESTARTS:
                item.given_up = True
                self.say(
                    f"{item.process.name} died {MAX_RESTARTS} times in {RESTART_WINDOW_S // 60} min; "
                    f"not restarting it again: see {processes.shown(item.process.log_file)}, "
                    "then run `make databases`"
                )
                return
            backoff = min(MAX_BACKOFF_S, 2 ** len(item.restarts) / 4) if item.restarts else 0
            item.due = now + backoff
            self.say(f"{item.process.name} is not running; restarting it" + (f" in {backoff:g} s" if backoff else ""))
        if now < item.due:
            return
        item.due = None
        item.restarts.append(now)
        try:
            item.process = item.definition()
            item.child = processes.start(item.process, detached=not self.owning)
        except (ServerError, OSError) as exc:
            self.say(f"{item.process.name}: restart failed: {exc}")
            return
        item.awaiting = True  # answering is checked on the next rounds, without holding up the others
        self.say(f"{item.process.name} restarted (pid {item.child.pid})")

    def _running(self, item: Watched) -> bool:
        if item.child is not None and item.child.poll() is not None:
            return False  # our child, reaped
        return item.process.recorded_pid() is not None

    def _echo_log(self, item: Watched) -> None:
        path = item.process.log_file
        size = _size(path)
        if size < item.log_offset:
            item.log_offset = 0  # the log was replaced
        if size == item.log_offset:
            return
        with path.open("rb") as log:
            log.seek(item.log_offset)
            data = log.read(size - item.log_offset)
        complete = data.rfind(b"\n") + 1
        item.log_offset += complete
        for line in data[:complete].decode(errors="replace").splitlines():
            self.echo(f"{item.process.name}: {line}")
        sys.stdout.flush()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
