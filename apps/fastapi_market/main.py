"""The FastAPI application factory: one Mongo client and one HTTP pool per process.

``app`` is the app the Day-1 plan's ``uvicorn main:app`` serves (from this folder; from the
repository root, ``uvicorn apps.fastapi_market.main:app``). It is built on first access: importing
this module reads no setting and builds nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from apps.common.config import ConfigError
from apps.common.contracts.market import MAX_BODY_BYTES
from apps.common.http_async import async_service_client
from apps.common.logging import configure_logging
from apps.common.mongo_advice import mongo_advice
from apps.common.setting_home import setting_home
from apps.fastapi_market.auth import AccessMiddleware
from apps.fastapi_market.markov_fits import RegimeFits
from apps.fastapi_market.middleware import BodyLimitMiddleware, RequestContextMiddleware
from apps.fastapi_market.openapi import install_openapi
from apps.fastapi_market.problems import install_problem_handlers
from apps.fastapi_market.routes import actions, bars, check_regime, health, internal, series, symbol_regime
from apps.fastapi_market.settings import SERVICE, Settings, load_settings
from apps.fastapi_market.store import SeriesStore
from apps.fastapi_market.trailing_slash import install_trailing_slash_rule

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, warn_if_mongo_is_down: bool = False) -> FastAPI:
    """Build the app; clients are opened in the lifespan, on the loop that will use them.

    ``warn_if_mongo_is_down``: at start, one warning line, saying what to do, when MongoDB does not
    answer (``app``, which runs without `make run`, the step that provides the databases and says so).
    """
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
            token=settings.common.tokens.own,
            connect_timeout=settings.regime_connect_timeout,
            read_timeout=settings.regime_read_timeout,
        )
        app.state.mongo_server = None  # the server's name, learnt by the first health check that reaches it
        app.state.store = SeriesStore(app.state.mongo[settings.mongo.database])
        app.state.fits = RegimeFits(app.state.mongo[settings.mongo.database])
        # In the background: the server serves (and /health says 503) without waiting for it.
        mongo_check = None
        if warn_if_mongo_is_down:
            mongo_check = asyncio.create_task(warn_if_unreachable(app.state.mongo, settings))
        try:
            yield
        finally:
            if mongo_check is not None:
                mongo_check.cancel()
                with suppress(asyncio.CancelledError):
                    await mongo_check
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
    app.add_middleware(BodyLimitMiddleware, limit=MAX_BODY_BYTES)  # follows from the batch cap
    app.add_middleware(AccessMiddleware, router=app.router, settings=settings)  # before the body is read
    app.add_middleware(RequestContextMiddleware)  # added last, so outermost: the 413 has an ID and a log line
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(check_regime.router)
    app.include_router(bars.router)
    app.include_router(symbol_regime.router)
    app.include_router(series.router)
    app.include_router(actions.router)
    app.include_router(internal.router)
    install_openapi(app, settings.common.profile)
    return app


async def warn_if_unreachable(mongo: AsyncMongoClient[Any], settings: Settings) -> None:
    """Log one warning, with what to do, when MongoDB does not answer a ping within its timeout."""
    try:
        await mongo.admin.command("ping")
    except PyMongoError as exc:
        home = setting_home("MONGO_URL", SERVICE, settings.common.profile)
        advice = mongo_advice(settings.mongo, exc, timeout_s=settings.mongo_timeout_ms / 1000, home=home)
        log.warning("MongoDB is not reachable yet (%s); serving anyway, /health says 503 until it is", advice)


def __getattr__(name: str) -> FastAPI:
    """``app``, built once on first access (PEP 562); a config problem stops the server in one line."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        app = create_app(warn_if_mongo_is_down=True)
    except ConfigError as exc:  # one line and exit code 2, as `python -m apps.fastapi_market`, not a traceback
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    globals()["app"] = app
    return app
