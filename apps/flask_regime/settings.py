"""flask_regime's settings, read once from config/ (see apps.common.config for the order)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.config import CommonSettings, ServiceConfig, load, parse_common

SERVICE = "flask_regime"


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    port: int


def parse_settings(config: ServiceConfig) -> Settings:
    return Settings(common=parse_common(config), port=config.env.int("FLASK_REGIME_PORT"))


def load_settings(profile: str | None = None) -> Settings:
    return load(SERVICE, parse_settings, profile)
