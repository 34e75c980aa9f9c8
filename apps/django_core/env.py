"""django_core's settings, read once from config/ (see apps.common.config for the order)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.config import CommonSettings, ServiceConfig, load, parse_common
from apps.common.databases import MySQLTarget
from apps.common.server import ServerSettings, parse_server

SERVICE = "django_core"


@dataclass(frozen=True)
class DjangoCoreSettings:
    common: CommonSettings
    port: int
    server: ServerSettings
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    mysql: MySQLTarget
    mysql_connect_timeout: int
    mysql_read_timeout: int
    behind_proxy: bool  # a TLS proxy in front says X-Forwarded-Proto (and strips a client's own)
    hsts_include_subdomains: bool
    hsts_preload: bool


def parse_settings(config: ServiceConfig) -> DjangoCoreSettings:
    env = config.env
    debug = env.bool("DJANGO_DEBUG", False)
    allowed_hosts: list[str] = env.list("DJANGO_ALLOWED_HOSTS", [])
    if config.profile == "production":
        if debug:
            config.refuse("DJANGO_DEBUG", "must be false in the production profile")
        if not allowed_hosts:
            config.refuse("DJANGO_ALLOWED_HOSTS", "required in the production profile (the hosts this site serves)")
    return DjangoCoreSettings(
        common=parse_common(config),
        port=env.int("DJANGO_CORE_PORT"),
        server=parse_server(config),
        secret_key=config.secret("DJANGO_SECRET_KEY"),
        debug=debug,
        allowed_hosts=allowed_hosts,
        mysql=config.converted("MYSQL_URL", MySQLTarget.from_url),
        mysql_connect_timeout=env.int("MYSQL_CONNECT_TIMEOUT", 2),
        mysql_read_timeout=env.int("MYSQL_READ_TIMEOUT", 5),
        behind_proxy=env.bool("DJANGO_BEHIND_PROXY", False),
        hsts_include_subdomains=env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False),
        hsts_preload=env.bool("DJANGO_HSTS_PRELOAD", False),
    )


def load_settings(profile: str | None = None) -> DjangoCoreSettings:
    return load(SERVICE, parse_settings, profile)
