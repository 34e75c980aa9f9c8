"""flask_regime's settings, read once from config/ (see apps.common.config for the order)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.config import CommonSettings, ServiceConfig, load, parse_common
from apps.common.server import ServerSettings, parse_server

SERVICE = "flask_regime"


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    port: int
    server: ServerSettings


def parse_settings(config: ServiceConfig) -> Settings:
    return Settings(
        common=parse_common(config),
        port=config.env.int("FLASK_REGIME_PORT"),
        server=parse_server(config),
    )


def load_settings(profile: str | None = None) -> Settings:
    return load(SERVICE, parse_settings, profile)
