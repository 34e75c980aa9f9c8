"""The Procfile.test lines as separate processes, for tests that stop or kill one of them.

Honcho stops the whole stack when one process exits, so fault tests start each line themselves:
every process in a session of its own on the given ports, its output in a log file of its own.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from apps.common.config import REPO_ROOT, SERVICES
from scripts import process_groups
from scripts.local_db import WATCHING
from scripts.stack_processes import DATABASES, command_split, procfile_read, run_module, starts_record
from tests.stack import (
    LIVE_PROCESSES,
    health_urls,
    http_status,
    port_is_free,
    remove_private_data,
    stack_env,
    wait_until,
)


def procfile_commands(procfile: str = "Procfile.test") -> dict[str, tuple[dict[str, str], list[str]]]:
    """Each Procfile line as (leading VAR=value assignments, argv with this interpreter for python)."""
    return {name: command_split(command) for name, command in procfile_read(REPO_ROOT / procfile).items()}


class SeparateProcesses:
    """Start, stop and kill the Procfile.test processes one by one on ``ports``."""

    def __init__(self, ports: dict[str, int], log_dir: Path, **env: str):
        self.ports = ports
        self.log_dir = log_dir
        self.env = stack_env(ports) | env
        self.commands = procfile_commands()
        self.processes: dict[str, subprocess.Popen] = {}
        self.log_starts: dict[str, int] = {}  # where each process's log stood when it was last started
        self.health = dict(zip(SERVICES, health_urls(ports), strict=True))

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log_text(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def running(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def start(self, name: str, *, fresh: bool = False) -> subprocess.Popen:
        """Start one Procfile line; a database keeps its data unless ``fresh``."""
        assignments, argv = self.commands[name]
        if name in SERVICES and name not in self.processes:  # a database server records itself (local_db run)
            starts_record(f"{name} process (no honcho)")
        if not fresh:
            argv = [word for word in argv if word != "--fresh"]
        with self.log_path(name).open("ab") as log:
            self.log_starts[name] = log.tell()
            process = process_groups.start(
                argv,
                cwd=REPO_ROOT,
                env=self.env | assignments,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.processes[name] = process
        LIVE_PROCESSES.add(self, "separate processes", self.log_paths)
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> float:
        """Signal the process's group and wait for it and its port; return the seconds it took."""
        process = self.processes[name]
        started = time.monotonic()
        if process.poll() is None:
            process_groups.stop(process, timeout, request=sig)
        wait_until(lambda: port_is_free(self.ports[name]), timeout, f"port of {name} free")
        return time.monotonic() - started

    def wait_listening(self, name: str, timeout: float = 120) -> None:
        """Until the process listens; a database line (`local_db run`) until it says its server answers
        and is watched: a test that kills the server before then would end `local_db run` instead."""

        def listening() -> bool:
            if not self.running(name):
                raise AssertionError(f"{name} exited:\n{self.log_text(name)[-3000:]}")
            if name in DATABASES:
                with self.log_path(name).open("rb") as log:
                    log.seek(self.log_starts[name])
                    return WATCHING.encode() in log.read()
            return not port_is_free(self.ports[name])

        wait_until(listening, timeout, f"{name} listening")

    def bootstrap(self, timeout: float = 90) -> None:
        """Run scripts/bootstrap_db.py until it succeeds (the databases may still be starting)."""

        def succeeds() -> bool:
            result = run_module("scripts.bootstrap_db", self.env, 120)
            return result.returncode == 0

        wait_until(succeeds, timeout, "scripts/bootstrap_db.py succeeding", interval=0.5)

    def healthy(self, *names: str) -> bool:
        """Each service answers its /health with 200 (a slow answer on a busy machine still counts: a
        service that needed a stopped database would answer 503 within its own timeout)."""
        return all(http_status(self.health[name], timeout=10) == 200 for name in names or SERVICES)

    def ensure_up(self) -> None:
        """Every process running and every service healthy (restarting what a failed test left down)."""
        for name in (*DATABASES, *SERVICES):
            if not self.running(name):
                self.start(name)
                self.wait_listening(name)
        wait_until(self.healthy, 60, "all three /health = 200")

    def databases_up(self) -> None:
        """Fresh databases, bootstrapped (Procfile.test's two database lines)."""
        for name in DATABASES:
            self.start(name, fresh=True)
        for name in DATABASES:
            self.wait_listening(name)
        self.bootstrap()

    def bring_up(self) -> None:
        """Fresh databases, bootstrapped, then the three services, healthy."""
        self.databases_up()
        for name in SERVICES:
            self.start(name)
        wait_until(self.healthy, 60, "all three /health = 200")

    def log_paths(self) -> dict[str, Path]:
        """Each started process's log, by name."""
        return {name: self.log_path(name) for name in self.processes}

    def close(self) -> None:
        """Stop everything this object started and delete the private data."""
        for name in reversed(list(self.processes)):
            if self.running(name):
                self.stop(name)
        LIVE_PROCESSES.discard(self)
        remove_private_data(self.ports)
