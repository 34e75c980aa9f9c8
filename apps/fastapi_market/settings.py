"""fastapi_market's settings, read once from config/ (see apps.common.config for the order)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.config import CommonSettings, ServiceConfig, load, parse_common
from apps.common.databases import MongoTarget
from apps.common.server import ServerSettings, parse_server

SERVICE = "fastapi_market"


@dataclass(frozen=True)
class MarketDatabase:
    """Where the market data is: what the migrate job needs of fastapi_market's settings, and no secret
    beyond the URL (its token is the service's own)."""

    mongo: MongoTarget
    mongo_timeout_ms: int


@dataclass(frozen=True)
class Settings(MarketDatabase):
    common: CommonSettings
    port: int
    server: ServerSettings
    regime_connect_timeout: float
    regime_read_timeout: float

    @property
    def flask_regime_url(self) -> str:
        return self.common.flask_regime_url


def parse_database(config: ServiceConfig) -> MarketDatabase:
    env = config.env
    # environs passes these to marshmallow's Url field; its stubs list only the common field options.
    mongo_url = env.url("MONGO_URL", schemes={"mongodb", "mongodb+srv"}, require_tld=False)  # type: ignore[call-overload]
    return MarketDatabase(
        mongo=MongoTarget(url=mongo_url.geturl() if mongo_url else "", database=env.str("MONGO_DB")),
        mongo_timeout_ms=env.int("MONGO_TIMEOUT_MS", 2000),
    )


def parse_settings(config: ServiceConfig) -> Settings:
    env = config.env
    database = parse_database(config)
    return Settings(
        mongo=database.mongo,
        mongo_timeout_ms=database.mongo_timeout_ms,
        common=parse_common(config),
        port=env.int("FASTAPI_MARKET_PORT"),
        server=parse_server(config),
        regime_connect_timeout=env.float("REGIME_CONNECT_TIMEOUT", 0.5),
        regime_read_timeout=env.float("REGIME_READ_TIMEOUT", 1.0),
    )


def load_settings(profile: str | None = None) -> Settings:
    return load(SERVICE, parse_settings, profile)


def load_database(profile: str | None = None) -> MarketDatabase:
    """The market database's settings alone (the migrate job's)."""
    return load(SERVICE, parse_database, profile)
