"""Internal endpoints: for whoever runs the service (the access table gives them to the operator)."""

from typing import Any

from fastapi import APIRouter

from apps.common.contracts import LogLevelChange, LogLevelState
from apps.common.internal import log_level_change, settings_report
from apps.fastapi_market.dependencies import SettingsDep
from apps.fastapi_market.settings import SERVICE, parse_settings

router = APIRouter(prefix="/internal", tags=["internal"])


@router.get("/settings", summary="This service's resolved settings and their sources, secrets masked")
async def read_settings(settings: SettingsDep) -> dict[str, Any]:
    """What `python scripts/config.py show fastapi_market` prints, over HTTP."""
    return settings_report(SERVICE, parse_settings, settings.common.profile)


@router.put("/log-level", summary="Change this process's log level until it restarts")
async def update_log_level(change: LogLevelChange) -> LogLevelState:
    """Set the root log level, e.g. to DEBUG while chasing a problem."""
    return log_level_change(SERVICE, change)
