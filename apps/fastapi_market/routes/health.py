"""Health: readiness pings MongoDB; liveness calls nothing."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from apps.common.contracts import HealthReport
from apps.common.health import health_report, liveness_report, run_check_async
from apps.fastapi_market.dependencies import MongoDep, SettingsDep
from apps.fastapi_market.settings import SERVICE

router = APIRouter(tags=["health"])
_REPORTS = {200: {"model": HealthReport}, 503: {"model": HealthReport, "description": "a dependency is down"}}


@router.get("/health", summary="Readiness: 200 when MongoDB answers a ping, 503 naming it when not", responses=_REPORTS)
async def read_health(mongo: MongoDep, settings: SettingsDep) -> JSONResponse:
    """Ping MongoDB within the configured timeout."""
    timeout = settings.mongo_timeout_ms / 1000
    mongo_check = await run_check_async(lambda: mongo.admin.command("ping"), timeout)
    status, body = health_report(SERVICE, {"mongodb": mongo_check})
    return JSONResponse(body, status_code=status)


@router.get(
    "/health/live", summary="Liveness: the process answers (no dependency is called)", response_model_exclude_none=True
)
async def read_liveness() -> HealthReport:
    """Always 200 while the process serves requests."""
    return HealthReport.model_validate(liveness_report(SERVICE))
