"""deploy/Procfile.prod's three servers (gunicorn, uvicorn), production profile, on the test stack's
databases: what the production sweeps (trailing slashes, access) send their requests to."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from apps.common.access import Caller
from apps.common.config import REPO_ROOT
from apps.common.health import LIVENESS_PATH
from scripts import process_groups
from scripts.stack_processes import procfile_read, starts_record
from tests.deploy.manifests import kill_group, production_env, production_tokens
from tests.stack import LIVE_PROCESSES, SESSION_STACK, free_port, http_status, wait_until


class ServerProcesses:
    """Servers of the services started as processes (a production server, the image's CMD, a platform's
    start command), each leading a process group of its own, its output in ``<name>.log``. Each start is
    recorded for the run's count; ``close`` kills whatever is left of them."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start ``argv`` as the server called ``name`` (one server per name)."""
        assert name not in self.started, f"{name} was started already"
        starts_record(f"server process: {name}")
        with self.log_path(name).open("wb") as log:
            process = process_groups.start(
                argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self.started[name] = process
        LIVE_PROCESSES.add(self, "server processes", lambda: {each: self.log_path(each) for each in self.started})
        return process

    def close(self) -> None:
        for process in self.started.values():
            kill_group(process)
        LIVE_PROCESSES.discard(self)


@dataclass(frozen=True)
class ProductionServers:
    urls: dict[str, str]  # by service
    tokens: dict[Caller, str]  # each caller's token, which every server accepts
    env: dict[str, str]  # django_core's environment (for a management command on its database)


@contextmanager
def production_servers_started(logs: Path) -> Iterator[ProductionServers]:
    """Start the three, wait until each is live, and stop them on the way out."""
    commands = procfile_read(REPO_ROOT / "deploy" / "Procfile.prod")
    ports = {service: free_port() for service in commands}
    tokens = production_tokens()
    databases = {name: SESSION_STACK[name] for name in ("MYSQL_URL", "MONGO_URL")}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    secrets = production_env("django_core", ports["django_core"], tokens)  # one Django key for all
    servers = ServerProcesses(logs)
    envs: dict[str, dict[str, str]] = {}
    try:
        for service, command in commands.items():
            env = production_env(service, ports[service], tokens) | databases
            env |= {"DJANGO_SECRET_KEY": secrets["DJANGO_SECRET_KEY"], "DJANGO_BEHIND_PROXY": "true"}
            env |= {f"{name.upper()}_URL": url for name, url in urls.items()}  # FastAPI calls this Flask
            envs[service] = env
            servers.start(service, shlex.split(command), env)
        for service, process in servers.started.items():

            def live(service: str = service, process: subprocess.Popen[bytes] = process) -> bool:
                assert process.poll() is None, servers.log_path(service).read_text()
                return http_status(f"{urls[service]}{LIVENESS_PATH}") == 200

            wait_until(live, 60, f"production {service} live")
        yield ProductionServers(urls, tokens, envs["django_core"])
    finally:
        servers.close()
