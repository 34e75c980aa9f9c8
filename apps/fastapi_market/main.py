"""The FastAPI application factory: one Mongo client and one HTTP pool per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from pymongo import AsyncMongoClient

from apps.common.http_async import async_service_client
from apps.common.logging import configure_logging
from apps.fastapi_market.middleware import BodyLimitMiddleware, RequestContextMiddleware
from apps.fastapi_market.openapi import install_openapi
from apps.fastapi_market.problems import install_problem_handlers
from apps.fastapi_market.routes import bars, check_regime, health, internal, series, symbol_regime
from apps.fastapi_market.settings import SERVICE, Settings, load_settings
from apps.fastapi_market.store import SeriesStore
from apps.fastapi_market.trailing_slash import install_trailing_slash_rule


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; clients are opened in the lifespan, on the loop that will use them."""
    settings = settings or load_settings()
    configure_logging(SERVICE, settings.common.log_level, settings.common.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Connecting is lazy: the app starts with MongoDB down and /health says so until it is up.
        app.state.mongo = AsyncMongoClient(
            settings.mongo.url,
            serverSelectionTimeoutMS=settings.mongo_timeout_ms,
            connectTimeoutMS=settings.mongo_timeout_ms,
            tz_aware=True,
        )
        app.state.http = async_service_client(
            token=settings.common.internal_api_token,
            connect_timeout=settings.regime_connect_timeout,
            read_timeout=settings.regime_read_timeout,
        )
        app.state.mongo_server = None  # the server's name, learnt by the first health check that reaches it
        app.state.store = SeriesStore(app.state.mongo[settings.mongo.database])
        try:
            yield
        finally:
            await app.state.store.close()
            await app.state.http.close()
            await app.state.mongo.close()

    # /docs and /redoc with Swagger UI's and ReDoc's files from the fastapi-offline package, served
    # by this app under /static-offline-docs: the pages work with no internet access.
    app = FastAPIOffline(
        title="Aetherion Market engine",
        summary="fastapi_market: market data on MongoDB; asks flask_regime for regimes.",
        lifespan=lifespan,
        # Swagger UI would otherwise ask validator.swagger.io to check the schema from any non-local host.
        swagger_ui_parameters={"validatorUrl": None},
    )
    install_trailing_slash_rule(app.router)
    app.state.settings = settings
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)  # added last, so outermost: the 413 has an ID and a log line
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(check_regime.router)
    app.include_router(bars.router)
    app.include_router(symbol_regime.router)
    app.include_router(series.router)
    app.include_router(internal.router)
    install_openapi(app)
    return app
