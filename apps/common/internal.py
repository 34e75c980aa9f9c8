"""What every service's internal endpoints share."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apps.common.config import ServiceConfig, read_unsealed
from apps.common.contracts import LogLevelChange, LogLevelState


def settings_report(service: str, parse: Callable[[ServiceConfig], object], profile: str) -> dict[str, Any]:
    """``GET /internal/settings``: each setting ``parse`` reads, masked, with where it comes from."""
    config = read_unsealed(service, parse, profile)
    return {
        "service": service,
        "profile": profile,
        "settings": [{"name": v.name, "value": v.value, "source": v.source} for v in config.views()],
    }


def log_level_change(service: str, change: LogLevelChange) -> LogLevelState:
    """``PUT /internal/log-level``: set the root level of this process."""
    logging.getLogger().setLevel(change.level)
    logging.getLogger(__name__).warning("log level set to %s", change.level)
    return LogLevelState(service=service, level=change.level)
