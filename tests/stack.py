"""The hermetic test stack (Procfile.test under honcho), as tests start, probe and stop it."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path

import httpx
import psutil
from dotenv import dotenv_values

from apps.common.config import CONFIG_DIR, REPO_ROOT, SERVICES
from apps.common.health import READINESS_PATHS
from scripts import process_groups
from scripts.stack_processes import (
    DATABASES,
    port_is_free,
    private_data_remove,
    run_module,
    scrubbed_env,
    starts_record,
    wait_until,
)
from scripts.stack_processes import (
    free_port as free_port,  # tests take it from here, with the stack's other helpers
)
from tests import http_client

VENV_BIN = Path(sys.executable).parent
# The test stack of a pytest session runs on ports chosen when the session starts (pin_session_stack),
# so two sessions (two checkouts, or a developer's run beside CI) never meet. config/test.env's ports
# are for a test stack started by hand with `honcho -f Procfile.test start`.
SESSION_STACK: dict[str, str] = {}
# The test profile's tokens (config/test.env), by caller. TOKEN is the operator's, the caller that
# may write everything (apps/common/access.py), as a header: for httpx, Flask's and Starlette's test
# clients; DJANGO_TOKEN the same for Django's test client (which takes headers as WSGI variables).
TEST_ENV = dotenv_values(CONFIG_DIR / "test.env")
TEST_TOKENS: dict[str, str] = {
    caller: TEST_ENV[f"{caller.upper()}_TOKEN"] or "" for caller in ("operator", "django_core", "fastapi_market")
}
OPERATOR_TOKEN = TEST_TOKENS["operator"]
TOKEN = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
DJANGO_TOKEN = {"HTTP_AUTHORIZATION": TOKEN["Authorization"]}


class LiveProcesses:
    """The process sets the fixtures run at this moment (honcho stacks, separate processes): what a
    test stopped by its timeout reports the logs of."""

    def __init__(self) -> None:
        self.running: dict[int, tuple[str, Callable[[], dict[str, Path]]]] = {}

    def add(self, owner: object, title: str, log_paths: Callable[[], dict[str, Path]]) -> None:
        self.running[id(owner)] = (title, log_paths)

    def discard(self, owner: object) -> None:
        self.running.pop(id(owner), None)

    def log_paths(self) -> dict[str, Path]:
        """Every log, titled by its process set and process."""
        return {f"{title}: {name}": path for title, paths in self.running.values() for name, path in paths().items()}


LIVE_PROCESSES = LiveProcesses()


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: no stray service variables, this session's stack ports,
    the venv first on PATH."""
    env = scrubbed_env(VENV_BIN)
    for name in [name for name in env if name.startswith("PYTEST_XDIST_")]:  # a pytest it runs is no worker
        del env[name]
    env["APP_ENV"] = "test"
    env.update(SESSION_STACK)
    env.update(overrides)
    return env


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status ``url`` answers with, or None when nothing answers."""
    try:
        return http_client.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


# Stack ports come from below the kernel's ephemeral range (Linux: 32768 and up; Windows: 49152 and up),
# from which every outgoing connection takes its source port: a port chosen there when the session starts
# and bound minutes later, when a stack starts lazily, could meanwhile be any connection's source port.
STACK_PORT_RANGE = range(20000, 27000)  # below MongoDB's 27017 and 27018 too


def stack_port(taken: Collection[int] = ()) -> int:
    """A port nothing listens on now, outside the ephemeral range and not in ``taken``."""
    while True:
        port = random.choice(STACK_PORT_RANGE)
        if port not in taken and port_is_free(port):
            return port


def isolated_ports() -> dict[str, int]:
    """Free ports for every Procfile.test process, for a stack beside the shared one."""
    ports: dict[str, int] = {}
    for name in (*DATABASES, *SERVICES):
        ports[name] = stack_port(ports.values())
    return ports


def stack_variables(ports: dict[str, int]) -> dict[str, str]:
    """The variables that put every Procfile.test process on ``ports``."""
    from apps.django_core.env import load_settings

    mysql = load_settings("test").mysql
    return {
        "MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@127.0.0.1:{ports['mysql']}/{mysql.database}",
        "MONGO_URL": f"mongodb://127.0.0.1:{ports['mongo']}/",
        "DJANGO_CORE_PORT": str(ports["django_core"]),
        "FASTAPI_MARKET_PORT": str(ports["fastapi_market"]),
        "FLASK_REGIME_PORT": str(ports["flask_regime"]),
    }


def stack_env(ports: dict[str, int]) -> dict[str, str]:
    """A child environment that puts every Procfile.test process on ``ports``."""
    return clean_env(**stack_variables(ports))


def pin_session_stack() -> dict[str, int]:
    """Choose this session's test-stack ports and set them in this process and every child's
    environment (the environment wins over config/test.env); return them."""
    ports = isolated_ports()
    SESSION_STACK.update(stack_variables(ports))
    os.environ.update(SESSION_STACK)
    return ports


def remove_private_data(ports: dict[str, int]) -> None:
    """Delete the throw-away data of the test stack's private servers on ``ports``."""
    private_data_remove("test", ports)


def health_urls(ports: dict[str, int]) -> list[str]:
    return [f"http://127.0.0.1:{ports[name]}{READINESS_PATHS[name]}" for name in SERVICES]


class HonchoStack:
    """``honcho -f <procfile> start [names]`` in its own session, its output in a log file.

    With ``names``, honcho starts only those lines (the shared stack: the three services, on the
    session's database servers); without, every line.
    """

    _started = re.compile(r"system\s+\| (\S+?)(?:\.\d+)? started \(pid=(\d+)\)")

    def __init__(self, procfile: str, log_path: Path, env: dict[str, str], names: tuple[str, ...] = ()):
        self.procfile = procfile
        self.log_path = log_path
        self.env = env
        self.names = names
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        starts_record(f"honcho stack: {' '.join(self.names) if self.names else f'every line of {self.procfile}'}")
        with self.log_path.open("wb") as log:
            self.process = process_groups.start(
                [str(VENV_BIN / "honcho"), "-f", self.procfile, "start", *self.names],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        LIVE_PROCESSES.add(self, f"honcho -f {self.procfile}", lambda: {"honcho": self.log_path})

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def alive(self) -> bool:
        """True while honcho runs; raises with its log when it has stopped (a process died)."""
        if not self.running:
            raise AssertionError(f"honcho exited (rc={self.process.returncode})")
        return True

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def pids(self) -> dict[str, int]:
        """Each Procfile process's pid (honcho starts each in a process group of its own)."""
        return {name: int(pid) for name, pid in self._started.findall(self.log_text())}

    def group_members(self) -> list[psutil.Process]:
        """Every live process in the groups honcho started, and honcho itself."""
        groups = set(self.pids().values())
        members = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(proc.pid) in groups and proc.status() != psutil.STATUS_ZOMBIE:
                    members.append(proc)
            except (ProcessLookupError, psutil.Error):
                continue
        if self.running:
            members.append(psutil.Process(self.process.pid))
        return members

    def signal_group(self, name: str, sig: int) -> None:
        process_groups.signal_group(self.pids()[name], sig)

    def bring_up(self, ports: dict[str, int], timeout: float = 180) -> float:
        """Start; when its lines hold the databases, wait for them and bootstrap them; wait for three
        healthy services.

        Returns the seconds from start to healthy; on failure stops the stack and raises
        AssertionError with the end of honcho's log.
        """
        started = time.monotonic()
        self.start()
        try:
            if not self.names or set(DATABASES) <= set(self.names):
                wait_until(
                    lambda: self.alive() and not port_is_free(ports["mysql"]) and not port_is_free(ports["mongo"]),
                    timeout,
                    "private MySQL and MongoDB listening",
                )
                wait_until(self._bootstrap, 60, "scripts/bootstrap_db.py succeeding", interval=0.5)
            wait_until(
                lambda: self.alive() and all(http_status(u) == 200 for u in health_urls(ports)),
                timeout,
                "all three /health = 200",
            )
        except (AssertionError, TimeoutError) as exc:
            if self.running:
                self.stop()
            raise AssertionError(f"test stack did not come up: {exc}\n--- honcho log ---\n{self.log_tail()}") from None
        return time.monotonic() - started

    def _bootstrap(self) -> bool:
        result = run_module("scripts.bootstrap_db", self.env, 120)
        self.last_bootstrap = result.stderr
        return result.returncode == 0

    def remove_private_data(self, ports: dict[str, int]) -> None:
        remove_private_data(ports)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> float:
        """Signal honcho and wait for it; return the seconds it took to exit."""
        assert self.process is not None
        started = time.monotonic()
        if self.running:
            process_groups.signal_group(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            process_groups.signal_group(self.process.pid, process_groups.KILL)
            for member in self.group_members():
                member.kill()
            self.process.wait()
        LIVE_PROCESSES.discard(self)
        return time.monotonic() - started
