"""Per-service configuration: environs over the files in config/, one precedence for all.

A value is taken from the first of these that sets it:

1. the process environment,
2. ``config/<profile>.env`` for the test and production profiles (``test.env``, ``production.env``),
3. ``config/<service>.local.env`` (git-ignored: a developer's own servers and secrets),
4. ``.var/<profile>/found.env``: the database servers ``scripts/local_db.py`` found at the default
   addresses (MySQL 127.0.0.1:3306, MongoDB 127.0.0.1:27017) when 1-3 do not name one,
5. ``config/<service>.env`` (committed dev defaults),
6. ``config/common.env`` (committed, shared by every service).

``APP_ENV`` itself (dev, test or production) comes from the process environment only, since it
chooses which files are read; so does ``APP_VAR_DIR``, where the local state lives (default .var/).

Each service parses its own settings with this module; none is imported here. The command that
checks or shows every service's settings is scripts/config.py (``aetherion-config check|show``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values
from environs import Env, EnvError, EnvValidationError
from marshmallow.validate import OneOf

from apps.common.auth import Tokens, accepted_parse, token_digest
from apps.common.secret_rules import STRONG_VALUE_COMMAND, secret_problem

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "config"
# Where a value found by scripts/local_db.py is shown as coming from, in `config show`.
FOUND = "found"
PROFILES = ("dev", "test", "production")
SERVICES = ("django_core", "fastapi_market", "flask_regime")
MASK = "********"
# Each caller's token is read from <CALLER>_TOKEN, each process sending its own (scripts: the operator's).
OWN_TOKEN = {"django_core": "DJANGO_CORE_TOKEN", "fastapi_market": "FASTAPI_MARKET_TOKEN", "flask_regime": ""}
OPERATOR_TOKEN = "OPERATOR_TOKEN"

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


def var_dir() -> Path:
    """Where this checkout keeps its local state (private servers' data, what local_db found):
    ``APP_VAR_DIR`` from the environment, else ``.var/`` in the repository."""
    return Path(os.environ.get("APP_VAR_DIR") or REPO_ROOT / ".var")


def found_file(profile: str) -> Path:
    """The file in which scripts/local_db.py records the servers it found at the default addresses."""
    return var_dir() / profile / "found.env"


def config_files(service: str, profile: str, config_dir: Path = CONFIG_DIR, found: Path | None = None) -> list[Path]:
    """The files read for ``service`` under ``profile``, the winning one first (``found``: the
    found-servers file, between the developer's own file and the committed defaults)."""
    files = [config_dir / f"{profile}.env"] if profile != "dev" else []
    files += [
        config_dir / f"{service}.local.env",
        *([found] if found else []),
        config_dir / f"{service}.env",
        config_dir / "common.env",
    ]
    return files


def found_values(profile: str) -> dict[str, str]:
    """What ``found_file(profile)`` records (empty when there is none)."""
    path = found_file(profile)
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}


def found_record(profile: str, name: str, value: str | None) -> None:
    """Record ``name=value`` in the found-servers file, or drop ``name`` when ``value`` is None."""
    values = found_values(profile)
    if value is None and name not in values:
        return
    if value is None:
        values.pop(name)
    else:
        values[name] = value
    path = found_file(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = {k: '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for k, v in values.items()}
    path.write_text(
        "# Written by scripts/local_db.py: servers found at the default addresses. Do not edit;\n"
        "# to choose a server yourself, set its URL in config/<service>.local.env.\n"
        + "".join(f"{k}={v}\n" for k, v in quoted.items())
    )


@dataclass(frozen=True)
class SettingView:
    """One resolved setting as ``show`` prints it: secrets masked."""

    name: str
    value: str
    source: str


class ServiceConfig:
    """One service's view of its configuration, remembering where each value came from."""

    def __init__(self, service: str, profile: str | None = None, config_dir: Path = CONFIG_DIR, use_found: bool = True):
        self.service = service
        self.profile = profile or current_profile(service)
        # What local_db found belongs to this checkout's own config (not to a test's config directory).
        self.found = found_file(self.profile) if use_found and config_dir == CONFIG_DIR else None
        self.files = config_files(service, self.profile, config_dir, self.found)
        self.committed = {config_dir / f"{service}.env", config_dir / "common.env"}
        self.env = Env(eager=False)
        self._file_values = []
        for path in self.files:
            if self.env.read_env(path, recurse=False):
                self._file_values.append((path, dotenv_values(path)))
        self.secrets: set[str] = set()
        self._refused: dict[str, str] = {}

    def converted(self, name: str, convert: Callable[[str], T], default: T | EllipsisType = ...) -> T:
        """Read ``name`` and pass it through ``convert``; its ValueError becomes a problem.

        Like environs' own parsers when not eager, a missing or invalid value gives None and a
        problem: settings built from this config are used only once ``seal()`` has passed.
        """

        def parse(value: str) -> T:
            try:
                return convert(value)
            except ValueError as exc:
                raise EnvError(str(exc)) from None

        parser = f"_converted_{name.lower()}"
        self.env.add_parser(parser, parse)
        value: T = getattr(self.env, parser)(name, default)
        return value

    def secret(self, name: str) -> str:
        """A secret: masked when shown. In production it must be set, to no value a committed config file
        gives it, at least SECRET_MIN_LENGTH characters long, and not look like a placeholder (``change-me``…)."""
        self.secrets.add(name)
        value = self.env.str(name, "") or ""
        if self.profile == "production":
            reason = secret_problem(value, committed_values(name))
            if reason:
                self.refuse(name, f"{reason}; make one with: {STRONG_VALUE_COMMAND}")
        return value

    def refuse(self, name: str, reason: str) -> None:
        """Record a problem with a value that parsed but may not be used."""
        self._refused[name] = reason

    def source(self, name: str) -> str | None:
        """``"environment"``, the file that sets ``name`` (``found (.var/…/found.env)`` for what
        local_db found), or None when nothing sets it."""
        path = self._source_path(name)
        if path is None:
            return "environment" if name in os.environ else None
        return f"{FOUND} ({_display(path)})" if path == self.found else _display(path)

    def chosen_by_user(self, name: str) -> bool:
        """True when ``name`` comes from the environment, a profile file or a local file: not from
        the committed defaults, nor from what local_db found."""
        if name in os.environ:
            return True
        path = self._source_path(name)
        return path is not None and path != self.found and path not in self.committed

    def _source_path(self, name: str) -> Path | None:
        if name in os.environ:
            return None
        for path, values in self._file_values:
            if name in values:
                return path
        return None

    def problems(self) -> list[str]:
        """Every missing, invalid or refused value, one line each (clears environs' list)."""
        found: dict[str, str] = {}
        try:
            self.env.seal()
        except EnvValidationError as exc:
            # Keyed by variable name, as the error of an Env's seal() always is.
            errors = exc.error_messages if isinstance(exc.error_messages, Mapping) else {"config": exc.error_messages}
            found = {name: _reason(messages) for name, messages in errors.items()}
        for name, reason in self._refused.items():
            found.setdefault(name, reason)
        return [f"{name}: {reason} ({self._where(name)})" for name, reason in found.items()]

    def seal(self) -> None:
        """Raise one ConfigError listing every problem."""
        problems = self.problems()
        if problems:
            raise ConfigError(self.service, problems)

    def views(self) -> list[SettingView]:
        """Every setting the service read, its value (secrets masked) and where it came from."""
        parsed = self.env.dump()
        views = []
        for name in sorted(set(parsed) | set(self._refused)):
            source = self.source(name)
            if source == "environment":
                raw = os.environ[name]
            elif source is not None:
                raw = next(values[name] for path, values in self._file_values if name in values) or ""
            else:
                raw = "" if parsed.get(name) in (None, "") else str(parsed[name])
            views.append(SettingView(name, self.masked(name, raw), source or "default"))
        return views

    def masked(self, name: str, value: str) -> str:
        if not value:
            return "(not set)"
        return MASK if name in self.secrets else mask_url_password(value)

    def _where(self, name: str) -> str:
        source = self.source(name)
        if name in self._refused and self.profile != "dev":
            return "set it in the environment"
        if source is None or name in self._refused:
            return f"set it in config/{self.service}.local.env or the environment"
        if source == "environment":
            return "fix it in the environment"
        return f"fix it in {source}"


def committed_values(name: str, config_dir: Path = CONFIG_DIR) -> set[str]:
    """Every value a committed config file (``config/*.env``: the dev and test ones) gives ``name``."""
    return {value for path in config_dir.glob("*.env") if (value := dotenv_values(path).get(name))}


def mask_url_password(value: str) -> str:
    """``scheme://user:****@host/…`` for a URL with a password; anything else unchanged."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if not parts.password:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load(
    service: str,
    parse: Callable[[ServiceConfig], T],
    profile: str | None = None,
    config_dir: Path = CONFIG_DIR,
    use_found: bool = True,
) -> T:
    """Build a service's settings with ``parse`` and fail once, listing every problem (``use_found``:
    with what local_db found at the default addresses)."""
    config = ServiceConfig(service, profile, config_dir, use_found)
    settings = parse(config)
    config.seal()
    return settings


def read_unsealed(service: str, parse: Callable[[ServiceConfig], object], profile: str | None = None) -> ServiceConfig:
    """Read ``service``'s settings with ``parse`` without raising: ask the result for problems() and views()."""
    config = ServiceConfig(service, profile)
    parse(config)
    return config


@dataclass(frozen=True)
class CommonSettings:
    """What every service knows: its profile, where to bind, where the others live, and its tokens."""

    profile: str
    bind_host: str
    log_level: str
    log_format: str
    tokens: Tokens
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
        log_format=env.str("LOG_FORMAT", "plain", validate=OneOf(["plain", "json"])),
        tokens=parse_tokens(config),
        django_core_url=_service_url(config, "django_core"),
        fastapi_market_url=_service_url(config, "fastapi_market"),
        flask_regime_url=_service_url(config, "flask_regime"),
    )


def parse_tokens(config: ServiceConfig) -> Tokens:
    """The process's own token (a service's ``<SERVICE>_TOKEN``, a script's ``OPERATOR_TOKEN``) and the
    digests of the tokens it accepts (``ACCEPTED_TOKENS``, required by a service in production)."""
    own_name = OWN_TOKEN.get(config.service, OPERATOR_TOKEN)
    own = config.secret(own_name) if own_name else ""
    try:
        accepted = accepted_parse(config.env.str("ACCEPTED_TOKENS", "") or "")
    except ValueError as exc:
        config.refuse("ACCEPTED_TOKENS", str(exc))
        accepted = {}
    if config.profile == "production" and config.service in SERVICES:
        config.secrets.add("ACCEPTED_TOKENS")
        committed = {token_digest(v) for name in (*OWN_TOKEN.values(), OPERATOR_TOKEN) for v in committed_values(name)}
        if not accepted:
            config.refuse("ACCEPTED_TOKENS", "required in the production profile: the callers' token digests")
        elif committed & set(accepted):
            config.refuse("ACCEPTED_TOKENS", "lists the digest of a committed dev or test token")
    return Tokens(own, accepted)


def load_common(service: str = "config", profile: str | None = None) -> CommonSettings:
    """The shared settings alone, as scripts that drive the whole stack need them."""
    return load(service, parse_common, profile)


def _service_url(config: ServiceConfig, service: str) -> str:
    """``<SERVICE>_URL`` if set, else the service's own port on this machine."""
    port = config.env.int(f"{service.upper()}_PORT")
    url = config.converted(f"{service.upper()}_URL", _http_base_url, "")
    return url or f"http://127.0.0.1:{port}"


def _http_base_url(value: str) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value.rstrip("/")


def _reason(messages: object) -> str:
    # A variable read twice (a port, by its service and by the URL built on it) fails twice alike.
    unique = dict.fromkeys(str(m).rstrip(".") for m in messages) if isinstance(messages, list) else {str(messages): 0}
    text = "; ".join(unique)
    return "not set" if text == "Environment variable not set" else text


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
