"""Health: readiness pings MongoDB; liveness calls nothing."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from apps.common.contracts import HealthReport
from apps.common.database_servers import mongo_server_name_async
from apps.common.health import OK, health_report, liveness_report, run_check_async, shows_details
from apps.fastapi_market.dependencies import MarketDbDep, MongoDep, SettingsDep
from apps.fastapi_market.settings import SERVICE

router = APIRouter(tags=["health"])
_REPORTS: dict[int | str, dict[str, Any]] = {
    200: {"model": HealthReport},
    503: {"model": HealthReport, "description": "a dependency is down"},
}


@router.get("/health", summary="Readiness: 200 when MongoDB answers a ping, 503 naming it when not", responses=_REPORTS)
async def read_health(request: Request, mongo: MongoDep, db: MarketDbDep, settings: SettingsDep) -> JSONResponse:
    """Ping MongoDB within the configured timeout, and name the server that answered."""
    state = request.app.state

    async def probe() -> str:
        try:
            await mongo.admin.command("ping")
        except AutoReconnect as exc:
            if isinstance(exc, ServerSelectionTimeoutError):
                raise
            # A pooled connection the server dropped (it restarted since; pymongo checks a connection idle
            # for under a second only by using it): the pool is emptied now, so asking again asks the server.
            await mongo.admin.command("ping")
        known: str | None = state.mongo_server
        if known is not None:  # learnt once per server, not on every check
            return known
        name = await mongo_server_name_async(db)
        if "+" in name or not name.startswith("FerretDB"):  # FerretDB's store shows once bars exist
            state.mongo_server = name
        return name

    mongo_check = await run_check_async(probe, settings.mongo_timeout_ms / 1000)
    if mongo_check.status != OK:
        state.mongo_server = None  # the server that comes back may be another one
    detailed = shows_details(getattr(request.state, "caller", "anonymous"), settings.common.profile)
    status, body = health_report(SERVICE, {"mongodb": mongo_check}, detailed)
    return JSONResponse(body, status_code=status)


@router.get(
    "/health/live", summary="Liveness: the process answers (no dependency is called)", response_model_exclude_none=True
)
async def read_liveness() -> HealthReport:
    """Always 200 while the process serves requests."""
    return HealthReport.model_validate(liveness_report(SERVICE))
