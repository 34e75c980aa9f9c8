"""Health: readiness pings MongoDB."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from apps.common.health import health_report, run_check_async
from apps.fastapi_market.dependencies import MongoDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Readiness: 200 when MongoDB answers a ping, 503 naming it when not")
async def read_health(mongo: MongoDep, settings: SettingsDep) -> JSONResponse:
    """Ping MongoDB within the configured timeout."""
    timeout = settings.mongo_timeout_ms / 1000
    mongo_check = await run_check_async(lambda: mongo.admin.command("ping"), timeout)
    status, body = health_report("fastapi_market", {"mongodb": mongo_check})
    return JSONResponse(body, status_code=status)
