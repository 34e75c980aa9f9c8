"""``GET /health`` on every service: consumed by /check-regime, smoke.py and the Control Tower."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class CheckReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "unavailable"]
    latency_ms: float
    error: str | None = None
    # The database server that answered: "MariaDB 10.11.11", "mongod 7.0.14", "FerretDB 1.24.1 + PostgreSQL".
    server: str | None = None


class HealthReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str
    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckReport] | None = None
    failing: list[str] | None = None
