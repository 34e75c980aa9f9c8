"""Operator calls every service takes on its internal endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class LogLevelChange(BaseModel):
    """``PUT /internal/log-level``: the level from now on, until the process restarts."""

    model_config = ConfigDict(extra="forbid")

    level: LogLevel


class LogLevelState(BaseModel):
    service: str
    level: LogLevel
