"""What the deployment files must provide, derived from the services' own config code (apps.common.config),
and a production environment to start the real servers with here."""

from __future__ import annotations

import importlib
import secrets
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from apps.common.access import TOKEN_CALLERS, Caller
from apps.common.auth import tokens_environment
from apps.common.config import SERVICES, ServiceConfig
from scripts import process_groups
from scripts.config import SETTINGS_MODULES, inspect
from tests.stack import clean_env, free_port

DATABASE_SCHEMES = {"mysql", "mongodb", "mongodb+srv"}
# Which services scripts/bootstrap_db.py loads the settings of (the migration step needs them all).
BOOTSTRAP_SERVICES = ("django_core", "fastapi_market")


@cache
def read_by(service: str) -> frozenset[str]:
    """Every variable ``service`` reads, and APP_ENV, which picks the profile."""
    return frozenset({view.name for view in inspect(service, "production").views()} | {"APP_ENV"})


@cache
def secrets_of(service: str) -> frozenset[str]:
    """The secrets ``service`` reads, and its database URLs (they carry passwords)."""
    config = inspect(service, "production")
    urls = {view.name for view in config.views() if urlsplit(view.value).scheme in DATABASE_SCHEMES}
    return frozenset(config.secrets | urls)


def all_read() -> set[str]:
    return set().union(*(read_by(service) for service in SERVICES))


def all_secrets() -> set[str]:
    return set().union(*(secrets_of(service) for service in SERVICES))


def problems_with_only(service: str, environment: dict[str, str], monkeypatch, empty_dir: Path) -> list[str]:
    """``service``'s config problems in the production profile when ``environment`` is all it gets."""
    for name in all_read():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = ServiceConfig(service, "production", config_dir=empty_dir)
    importlib.import_module(SETTINGS_MODULES[service]).parse_settings(config)
    return config.problems()


def production_tokens() -> dict[Caller, str]:
    """A fresh token for every caller that has one (as ``python -m scripts.config token`` makes them)."""
    return {caller: secrets.token_urlsafe(48) for caller in TOKEN_CALLERS}


def production_secrets(tokens: dict[Caller, str] | None = None) -> dict[str, str]:
    """Every secret the production profile needs, generated: the Django key, each caller's token, and
    ACCEPTED_TOKENS with their digests."""
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **tokens_environment(tokens or production_tokens())}


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
