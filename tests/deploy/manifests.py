"""What the deployment files must provide, derived from the services' own config code (apps.common.config),
and a production environment to start the real servers with here."""

from __future__ import annotations

import importlib
import secrets
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from apps.common.access import TOKEN_CALLERS, Caller
from apps.common.auth import tokens_environment
from apps.common.config import SERVICES, ServiceConfig, read_unsealed
from scripts import process_groups
from scripts.config import SETTINGS_MODULES
from tests.stack import clean_env, free_port

DATABASE_SCHEMES = {"mysql", "mongodb", "mongodb+srv"}
# Which services' code scripts/bootstrap_db.py (the migrate job) runs: their requirements are its own.
BOOTSTRAP_SERVICES = ("django_core", "fastapi_market")
# What it reads of their settings: django_core's whole (it migrates with Django), fastapi_market's
# database alone (not its token: that is the service's, and the job calls no one).
BOOTSTRAP_READS = (("django_core", "parse_settings"), ("fastapi_market", "parse_database"))


def _parser(service: str, parse: str) -> Callable[[ServiceConfig], object]:
    return getattr(importlib.import_module(SETTINGS_MODULES[service]), parse)


@cache
def read_by(service: str, parse: str = "parse_settings") -> frozenset[str]:
    """Every variable ``service``'s ``parse`` reads, and APP_ENV, which picks the profile."""
    config = read_unsealed(service, _parser(service, parse), "production")
    return frozenset({view.name for view in config.views()} | {"APP_ENV"})


@cache
def secrets_of(service: str, parse: str = "parse_settings") -> frozenset[str]:
    """The secrets ``service``'s ``parse`` reads, and its database URLs (they carry passwords)."""
    config = read_unsealed(service, _parser(service, parse), "production")
    urls = {view.name for view in config.views() if urlsplit(view.value).scheme in DATABASE_SCHEMES}
    return frozenset(config.secrets | urls)


def all_read() -> set[str]:
    return set().union(*(read_by(service) for service in SERVICES))


def all_secrets() -> set[str]:
    return set().union(*(secrets_of(service) for service in SERVICES))


def bootstrap_read() -> set[str]:
    return set().union(*(read_by(service, parse) for service, parse in BOOTSTRAP_READS))


def bootstrap_secrets() -> set[str]:
    return set().union(*(secrets_of(service, parse) for service, parse in BOOTSTRAP_READS))


def problems_with_only(
    service: str, environment: dict[str, str], monkeypatch, empty_dir: Path, parse: str = "parse_settings"
) -> list[str]:
    """``service``'s config problems (as ``parse`` reads it) in the production profile when
    ``environment`` is all it gets."""
    for name in all_read():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = ServiceConfig(service, "production", config_dir=empty_dir)
    _parser(service, parse)(config)
    return config.problems()


def production_tokens() -> dict[Caller, str]:
    """A fresh token for every caller that has one (as ``python -m scripts.config token`` makes them)."""
    return {caller: secrets.token_urlsafe(48) for caller in TOKEN_CALLERS}


def production_secrets(tokens: dict[Caller, str] | None = None) -> dict[str, str]:
    """Every secret the production profile needs, generated: the Django key, each caller's token, and
    ACCEPTED_TOKENS with their digests."""
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **tokens_environment(tokens or production_tokens())}


def with_real_secrets(environment: dict[str, str]) -> dict[str, str]:
    """``environment`` with each secret it names generated afresh, as a deployment fills in placeholders."""
    real = production_secrets()
    return {name: real.get(name, value) for name, value in environment.items()}


def production_env(service: str, port: int, tokens: dict[Caller, str] | None = None) -> dict[str, str]:
    """The production profile with generated secrets; databases point at nothing (liveness needs none)."""
    return clean_env(
        APP_ENV="production",
        **{f"{service.upper()}_PORT": str(port)},
        **production_secrets(tokens),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        MYSQL_URL=f"mysql://aetherion:unused@127.0.0.1:{free_port()}/aetherion_core",
        MONGO_URL=f"mongodb://127.0.0.1:{free_port()}/",
    )


def kill_group(process: subprocess.Popen) -> None:
    """Kill whatever is left of a server started by process_groups.start, and reap it."""
    process_groups.signal_group(process.pid, process_groups.KILL)
    process.wait()
