"""The bench's own stack: free ports, private databases under .var/test/, the production and dev
environments, and the seconds until a Procfile's services are healthy."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

from apps.common.access import TOKEN_CALLERS, Caller
from apps.common.auth import tokens_environment
from apps.common.config import REPO_ROOT, SERVICES
from scripts.benchmarks.figures import BenchError, Scale, say
from scripts.benchmarks.processes import Honcho, Ports, start_ready
from scripts.stack_processes import (
    port_holder,
    private_data_remove,
    procfile_read,
    procfile_write,
    run_module,
    scrubbed_env,
    wait_until,
)

PROD_PROCFILE = REPO_ROOT / "deploy" / "Procfile.prod"
DEV_PROCFILE = REPO_ROOT / "Procfile"
BENCH_MONGO_DB = "aetherion_bench"
S = TypeVar("S")


class BenchStack:
    """The bench's own stack: its ports, the environments of its two profiles, the private databases
    it starts under .var/test/ on those ports, and the honcho stacks it starts (all stopped on exit)."""

    def __init__(self, scale: Scale, workdir: Path, exit_stack: ExitStack):
        self.scale, self.workdir, self.exit = scale, workdir, exit_stack
        self.ports = Ports.free()
        self.tokens: dict[Caller, str] = {caller: secrets.token_urlsafe(32) for caller in TOKEN_CALLERS}
        self.token = self.tokens["operator"]  # what the bench itself sends
        self.mysql_password = secrets.token_urlsafe(16)
        self.mysql_url = f"mysql://aetherion:{self.mysql_password}@127.0.0.1:{self.ports.mysql}/aetherion_core"
        self.mongo_url = f"mongodb://127.0.0.1:{self.ports.mongo}/"
        service_ports = {f"{name.upper()}_PORT": str(port) for name, port in self.ports.services.items()}
        self.dev_env = {
            **scrubbed_env(),
            "MYSQL_URL": self.mysql_url,
            "MONGO_URL": self.mongo_url,
            "MONGO_DB": BENCH_MONGO_DB,
            **service_ports,
        }
        self.prod_env = {
            **self.dev_env,
            "APP_ENV": "production",
            **tokens_environment(self.tokens),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Production Django answers plain HTTP with a redirect to HTTPS; the bench is its TLS proxy.
            "DJANGO_BEHIND_PROXY": "true",
        }
        self.servers: dict[str, str] = {}
        self.bootstrap_log = ""

    def honcho(self, procfile: Path, env: dict[str, str]) -> Honcho:
        stack = Honcho(procfile, env, self.workdir / f"{procfile.name}.log")
        self.exit.callback(stack.stop)
        return stack

    def databases_start(self) -> None:
        db_env = {**self.dev_env, "APP_ENV": "test"}
        lines = {name: f"python -m scripts.local_db run {name} --fresh" for name in ("mysql", "mongo")}
        self.exit.callback(self.databases_remove)  # registered first, so it runs after they stopped
        self.databases = self.honcho(procfile_write(self.workdir / "Procfile.databases", lines), db_env)
        say(f"starting private MariaDB :{self.ports.mysql} and MongoDB :{self.ports.mongo}")
        self.databases.start()

        def listening() -> bool:
            self.databases.check_alive()
            return all(port_holder("127.0.0.1", p) is not None for p in (self.ports.mysql, self.ports.mongo))

        wait_until(listening, 180, "private MySQL and MongoDB listening", interval=0.3, error=BenchError)

        def bootstrapped() -> bool:
            result = run_module("scripts.bootstrap_db", self.prod_env, 120)
            self.bootstrap_log = result.stderr
            return result.returncode == 0

        try:
            wait_until(bootstrapped, 90, "scripts/bootstrap_db.py succeeding", interval=1, error=BenchError)
        except BenchError as exc:
            raise BenchError(f"{exc}: {self.bootstrap_log.strip()[-400:]}") from None
        self.servers = database_servers(self.mysql_url, self.mongo_url)
        say(f"  servers: {self.servers['mysql']}, {self.servers['mongodb']}")

    def databases_remove(self) -> None:
        private_data_remove("test", {"mysql": self.ports.mysql, "mongo": self.ports.mongo})

    def stack_ready(self, procfile: Path, env: dict[str, str], alone: bool) -> tuple[Honcho, float, list[float]]:
        """Start each service alone (when ``alone``), then the whole Procfile; leaves the whole one running."""
        lines = procfile_read(procfile)
        alone_s: list[float] = []
        if alone:
            for name, command in lines.items():
                single = self.honcho(procfile_write(self.workdir / f"Procfile.{name}", {name: command}), env)
                took = start_ready(single, [self.ports.health_url(name)])
                single.stop()
                alone_s.append(took)
                say(f"  {name} alone: healthy after {took:.2f} s")
        stack = self.honcho(procfile, env)
        took = start_ready(stack, [self.ports.health_url(name) for name in SERVICES])
        say(f"  {procfile.relative_to(REPO_ROOT)}: all three healthy after {took:.2f} s")
        return stack, took, alone_s


def database_servers(mysql_url: str, mongo_url: str) -> dict[str, str]:
    """The bench's database servers, named (``MariaDB 10.11.11``, ``FerretDB 1.24.1 + PostgreSQL``)."""
    from apps.common.database_probes import mongo_server_at, mysql_server_at
    from apps.common.databases import MySQLTarget

    return {
        "mysql": mysql_server_at(MySQLTarget.from_url(mysql_url)),
        "mongodb": mongo_server_at(mongo_url, BENCH_MONGO_DB),
    }


def settings_in(env: dict[str, str], load_settings: Callable[[], S]) -> S:
    """A service's settings as they resolve in ``env`` (the child's environment)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def dev_token(env: dict[str, str]) -> str:
    """The operator's token in ``env``'s profile (the dev one: its committed value)."""
    from apps.common.config import load_common

    return settings_in(env, lambda: load_common("bench")).tokens.own


def fastapi_workers(env: dict[str, str]) -> int:
    from apps.fastapi_market.settings import load_settings

    return settings_in(env, load_settings).server.workers
