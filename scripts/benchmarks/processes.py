"""The bench's processes: the ports it runs on, honcho stacks in sessions of their own, and the
seconds until a started stack answers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apps.common.config import REPO_ROOT, SERVICES
from apps.common.health import READINESS_PATHS
from scripts import process_groups
from scripts.benchmarks.figures import BenchError, say
from scripts.stack_processes import free_port, starts_record

if TYPE_CHECKING:
    import psutil

VENV_BIN = Path(sys.executable).parent


@dataclass
class Ports:
    mysql: int
    mongo: int
    services: dict[str, int]

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), {name: free_port() for name in SERVICES})

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.services[service]}"

    def health_url(self, service: str) -> str:
        return self.url(service) + READINESS_PATHS[service]


class Honcho:
    """``honcho -f <procfile> start`` in a session of its own, output to a log file."""

    def __init__(self, procfile: Path, env: dict[str, str], log_path: Path):
        self.procfile, self.env, self.log_path = procfile, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        starts_record(f"bench: honcho stack of {self.procfile.name}")
        with self.log_path.open("ab") as log:
            self.process = process_groups.start(
                [str(VENV_BIN / "honcho"), "-f", str(self.procfile), "-d", str(REPO_ROOT), "start"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-15:])
            raise BenchError(f"honcho -f {self.procfile.name} exited; its log ends:\n{tail}")

    def members(self) -> list[psutil.Process]:
        import psutil

        if self.process is None or self.process.poll() is not None:
            return []
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def rss_mb(self) -> float:
        import psutil

        total = 0.0
        for proc in self.members():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total / 2**20

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        members = self.members()
        if self.process.poll() is None:
            process_groups.signal_group(self.process.pid, process_groups.STOP)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"honcho -f {self.procfile.name} did not stop within {timeout:g} s; killing it")
        for proc in members:
            with contextlib.suppress(Exception):  # already gone
                proc.kill()
        if self.process.poll() is None:
            self.process.wait(5)


def http_status(url: str, timeout: float = 1.0) -> int | None:
    import httpx

    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


def start_ready(stack: Honcho, urls: list[str], timeout: float = 90) -> float:
    """Start ``stack``; the seconds until every URL has answered 200.

    Each URL is polled from its own thread, so a service that is slow to answer does not delay
    noticing the others (a gunicorn master accepts connections before its workers can answer).
    """
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    stack.start()

    def ready_after(url: str) -> float:
        deadline = started + timeout
        while time.monotonic() < deadline:
            if http_status(url, timeout=max(0.1, min(5.0, deadline - time.monotonic()))) == 200:
                return time.monotonic() - started
            if stack.process is None or stack.process.poll() is not None:
                break
            time.sleep(0.02)
        stack.check_alive()
        raise BenchError(f"{stack.procfile.name}: {url} not answering 200 within {timeout:g} s")

    with ThreadPoolExecutor(len(urls)) as pool:
        return max(pool.map(ready_after, urls))
