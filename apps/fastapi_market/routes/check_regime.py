"""``GET /check-regime``: whether flask_regime is up, asked over REST."""

from fastapi import APIRouter

from apps.common.contracts import CheckRegimeResponse, HealthReport
from apps.common.http_async import get_contract
from apps.common.service_calls import ServiceCallError
from apps.fastapi_market.dependencies import HttpDep, SettingsDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError

router = APIRouter(tags=["regime"])


@router.get(
    "/check-regime",
    summary="Ask flask_regime whether it is up",
    responses=problems(503),
)
async def read_check_regime(http: HttpDep, settings: SettingsDep) -> CheckRegimeResponse:
    """Call flask_regime's /health; a 503 problem within the timeouts, with the reason, when it cannot answer."""
    url = f"{settings.flask_regime_url}/health"
    try:
        report = await get_contract(http, "flask_regime", url, HealthReport, ok_statuses=(200, 503))
    except ServiceCallError as exc:
        # This endpoint reports Flask's availability: every failure to reach it is a 503.
        raise ProblemError(503, exc.detail) from None
    if report.status != "ok":
        raise ProblemError(503, f"flask_regime reports itself unavailable: {', '.join(report.failing or [])}")
    return CheckRegimeResponse(status="flask_regime running")
