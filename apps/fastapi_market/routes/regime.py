"""Calls to flask_regime over REST."""

import httpx
from fastapi import APIRouter

from apps.fastapi_market.dependencies import HttpDep, SettingsDep
from apps.fastapi_market.problems import ProblemError

router = APIRouter(tags=["regime"])

FLASK_RUNNING = {"status": "flask_regime running"}


@router.get(
    "/check-regime",
    summary="Ask flask_regime whether it is up",
    responses={503: {"description": "flask_regime is down, slow or unhealthy (problem details)"}},
)
async def read_check_regime(http: HttpDep, settings: SettingsDep) -> dict[str, str]:
    """Call flask_regime's /health; 503 quickly, with the reason, when it cannot answer."""
    url = f"{settings.flask_regime_url}/health"
    try:
        response = await http.get(url)
    except httpx.TimeoutException:
        raise ProblemError(503, f"flask_regime did not answer within the timeout ({url})") from None
    except httpx.TransportError as exc:
        raise ProblemError(503, f"flask_regime is unreachable at {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ProblemError(503, f"flask_regime answered {response.status_code} at {url}")
    return FLASK_RUNNING
