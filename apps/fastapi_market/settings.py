"""fastapi_market's settings, read once from config/ (see apps.common.config for the order)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.config import CommonSettings, ServiceConfig, load, parse_common
from apps.common.databases import MongoTarget
from apps.common.server import ServerSettings, parse_server

SERVICE = "fastapi_market"


@dataclass(frozen=True)
class Settings:
    common: CommonSettings
    port: int
    server: ServerSettings
    mongo: MongoTarget
    mongo_timeout_ms: int
    regime_connect_timeout: float
    regime_read_timeout: float

    @property
    def flask_regime_url(self) -> str:
        return self.common.flask_regime_url


def parse_settings(config: ServiceConfig) -> Settings:
    env = config.env
    # environs passes these to marshmallow's Url field; its stubs list only the common field options.
    mongo_url = env.url("MONGO_URL", schemes={"mongodb", "mongodb+srv"}, require_tld=False)  # type: ignore[call-overload]
    return Settings(
        common=parse_common(config),
        port=env.int("FASTAPI_MARKET_PORT"),
        server=parse_server(config),
        mongo=MongoTarget(url=mongo_url.geturl() if mongo_url else "", database=env.str("MONGO_DB")),
        mongo_timeout_ms=env.int("MONGO_TIMEOUT_MS", 2000),
        regime_connect_timeout=env.float("REGIME_CONNECT_TIMEOUT", 0.5),
        regime_read_timeout=env.float("REGIME_READ_TIMEOUT", 1.0),
    )


def load_settings(profile: str | None = None) -> Settings:
    return load(SERVICE, parse_settings, profile)
