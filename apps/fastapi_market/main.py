"""The FastAPI application factory: one Mongo client and one HTTP pool per process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from apps.fastapi_market.problems import install_problem_handlers
from apps.fastapi_market.routes import health, regime
from apps.fastapi_market.settings import Settings, load_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; clients are opened in the lifespan, on the loop that will use them."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Connecting is lazy: the app starts with MongoDB down and /health says so until it is up.
        app.state.mongo = AsyncMongoClient(
            settings.mongo.url,
            serverSelectionTimeoutMS=settings.mongo_timeout_ms,
            connectTimeoutMS=settings.mongo_timeout_ms,
            tz_aware=True,
        )
        app.state.http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.regime_read_timeout,
                connect=settings.regime_connect_timeout,
                pool=settings.regime_connect_timeout,
            ),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        try:
            yield
        finally:
            await app.state.http.aclose()
            await app.state.mongo.close()

    app = FastAPI(
        title="Aetherion Market engine",
        summary="fastapi_market: market data on MongoDB; asks flask_regime for regimes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(regime.router)
    return app
