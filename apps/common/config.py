"""Per-service configuration: environs over the files in config/, one precedence for all.

A value is taken from the first of these that sets it:

1. the process environment,
2. ``config/test.env`` (only when ``APP_ENV=test``: the hermetic test stack's ports and servers),
3. ``config/<service>.local.env`` (git-ignored: a developer's own servers and secrets),
4. ``config/<service>.env`` (committed dev defaults),
5. ``config/common.env`` (committed, shared by every service).

``APP_ENV`` itself (dev, test or production) comes from the process environment only, since it
chooses which files are read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values
from environs import Env, EnvError, EnvValidationError
from marshmallow.validate import OneOf

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "config"
PROFILES = ("dev", "test", "production")
SERVICES = ("django_core", "fastapi_market", "flask_regime")

T = TypeVar("T")


class ConfigError(Exception):
    """Settings that are missing or invalid; ``str()`` gives one line per problem."""

    def __init__(self, service: str, problems: list[str]):
        self.service = service
        self.problems = problems
        super().__init__("\n".join(f"{service}: config error: {p}" for p in problems))


def current_profile(service: str = "config") -> str:
    """The profile named by ``APP_ENV`` (default ``dev``)."""
    profile = os.environ.get("APP_ENV", "dev")
    if profile not in PROFILES:
        raise ConfigError(
            service, [f"APP_ENV={profile!r} is not one of {', '.join(PROFILES)} (set it in the environment)"]
        )
    return profile


def config_files(service: str, profile: str, config_dir: Path = CONFIG_DIR) -> list[Path]:
    """The files read for ``service`` under ``profile``, the winning one first."""
    files = [config_dir / "test.env"] if profile == "test" else []
    files += [
        config_dir / f"{service}.local.env",
        config_dir / f"{service}.env",
        config_dir / "common.env",
    ]
    return files


class ServiceConfig:
    """One service's view of its configuration, remembering where each value came from."""

    def __init__(self, service: str, profile: str | None = None, config_dir: Path = CONFIG_DIR):
        self.service = service
        self.profile = profile or current_profile(service)
        self.files = config_files(service, self.profile, config_dir)
        self.env = Env(eager=False)
        for path in self.files:
            self.env.read_env(path, recurse=False)

    def converted(self, name: str, convert: Callable[[str], T]) -> T | None:
        """Read ``name`` and pass it through ``convert``; its ValueError becomes a problem."""

        def parse(value: str) -> T:
            try:
                return convert(value)
            except ValueError as exc:
                raise EnvError(str(exc)) from None

        parser = f"_converted_{name.lower()}"
        self.env.add_parser(parser, parse)
        return getattr(self.env, parser)(name)

    def source(self, name: str) -> str | None:
        """``"environment"``, the file that sets ``name``, or None when nothing sets it."""
        if name in os.environ:
            return "environment"
        for path in self.files:
            if path.exists() and name in dotenv_values(path):
                return _display(path)
        return None

    def seal(self) -> None:
        """Raise one ConfigError listing every missing or invalid value."""
        try:
            self.env.seal()
        except EnvValidationError as exc:
            problems = [
                f"{name}: {_reason(messages)} ({self._where(name)})"
                for name, messages in exc.error_messages.items()
            ]
            raise ConfigError(self.service, problems) from None

    def _where(self, name: str) -> str:
        source = self.source(name)
        if source is None:
            return f"set it in config/{self.service}.local.env or the environment"
        if source == "environment":
            return "fix it in the environment"
        return f"fix it in {source}"


def load(
    service: str, parse: Callable[[ServiceConfig], T], profile: str | None = None, config_dir: Path = CONFIG_DIR
) -> T:
    """Build a service's settings with ``parse`` and fail once, listing every problem."""
    config = ServiceConfig(service, profile, config_dir)
    settings = parse(config)
    config.seal()
    return settings


@dataclass(frozen=True)
class CommonSettings:
    """What every service knows: its profile, where to bind, and where the others live."""

    profile: str
    bind_host: str
    log_level: str
    django_core_url: str
    fastapi_market_url: str
    flask_regime_url: str

    def service_urls(self) -> dict[str, str]:
        return {
            "django_core": self.django_core_url,
            "fastapi_market": self.fastapi_market_url,
            "flask_regime": self.flask_regime_url,
        }


def parse_common(config: ServiceConfig) -> CommonSettings:
    env = config.env
    return CommonSettings(
        profile=config.profile,
        bind_host=env.str("BIND_HOST"),
        log_level=env.str("LOG_LEVEL", "INFO", validate=OneOf(["DEBUG", "INFO", "WARNING", "ERROR"])),
        django_core_url=_service_url(env, "django_core"),
        fastapi_market_url=_service_url(env, "fastapi_market"),
        flask_regime_url=_service_url(env, "flask_regime"),
    )


def load_common(service: str = "config", profile: str | None = None) -> CommonSettings:
    """The shared settings alone, as scripts that drive the whole stack need them."""
    return load(service, parse_common, profile)


def _service_url(env: Env, service: str) -> str:
    """``<SERVICE>_URL`` if set, else the service's own port on this machine."""
    port = env.int(f"{service.upper()}_PORT")
    url = env.url(f"{service.upper()}_URL", None, schemes={"http", "https"}, require_tld=False)
    return url.geturl().rstrip("/") if url else f"http://127.0.0.1:{port}"


def _reason(messages) -> str:
    # A variable read twice (a port, by its service and by the URL built on it) fails twice alike.
    unique = dict.fromkeys(str(m).rstrip(".") for m in messages) if isinstance(messages, list) else {str(messages): 0}
    text = "; ".join(unique)
    return "not set" if text == "Environment variable not set" else text


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
