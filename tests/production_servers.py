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
from scripts.stack_processes import procfile_read
from tests.deploy.manifests import kill_group, production_env, production_tokens
from tests.stack import SESSION_STACK, free_port, http_status, wait_until


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
    processes: dict[str, subprocess.Popen[bytes]] = {}
    envs: dict[str, dict[str, str]] = {}
    try:
        for service, command in commands.items():
            env = production_env(service, ports[service], tokens) | databases
            env |= {"DJANGO_SECRET_KEY": secrets["DJANGO_SECRET_KEY"], "DJANGO_BEHIND_PROXY": "true"}
            env |= {f"{name.upper()}_URL": url for name, url in urls.items()}  # FastAPI calls this Flask
            envs[service] = env
            with (logs / f"{service}.log").open("wb") as log:
                processes[service] = process_groups.start(
                    shlex.split(command),
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
        for service, process in processes.items():

            def live(service: str = service, process: subprocess.Popen[bytes] = process) -> bool:
                assert process.poll() is None, (logs / f"{service}.log").read_text()
                return http_status(f"{urls[service]}{LIVENESS_PATH}") == 200

            wait_until(live, 60, f"production {service} live")
        yield ProductionServers(urls, tokens, envs["django_core"])
    finally:
        for process in processes.values():
            kill_group(process)
