"""One health primitive for every service: named dependency checks, each timed, one verdict.

``/health`` answers 200 when every check is ok and 503 naming the failing checks otherwise. In
production a caller with no credential (a load balancer, a visitor) gets each check's status and
latency alone: no server version, no database error text; staff, the operator and the services get
them (``shows_details``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apps.common.contracts.health import HealthReport

OK = "ok"
UNAVAILABLE = "unavailable"
# Where each service answers: readiness (its dependencies checked: 200 or 503) and liveness (the process alone).
READINESS_PATHS: dict[str, str] = {"django_core": "/health/", "fastapi_market": "/health", "flask_regime": "/health"}
LIVENESS_PATH = "/health/live"


@dataclass(frozen=True)
class CheckResult:
    status: str
    latency_ms: float
    error: str | None = None
    server: str | None = None  # the server that answered, named (apps.common.database_servers)

    def as_dict(self, detailed: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "latency_ms": self.latency_ms}
        if self.error and detailed:
            body["error"] = self.error
        if self.server and detailed:
            body["server"] = self.server
        return body


def _failed(started: float, exc: BaseException) -> CheckResult:
    message = str(exc) or type(exc).__name__
    return CheckResult(UNAVAILABLE, _elapsed_ms(started), message.splitlines()[0][:300])


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def run_check(probe: Callable[[], str | None]) -> CheckResult:
    """Run a blocking probe, which returns the name of the server that answered (or None); any
    exception makes the check unavailable."""
    started = time.perf_counter()
    try:
        server = probe()
    except Exception as exc:  # a health check reports every failure, it never raises
        return _failed(started, exc)
    return CheckResult(OK, _elapsed_ms(started), server=server)


async def run_check_async(probe: Callable[[], Awaitable[str | None]], timeout: float) -> CheckResult:
    """Await a probe (as run_check's) for at most ``timeout`` seconds; any exception makes it unavailable."""
    started = time.perf_counter()
    try:
        server = await asyncio.wait_for(probe(), timeout)
    except TimeoutError:
        return CheckResult(UNAVAILABLE, _elapsed_ms(started), f"no answer within {timeout:g} s")
    except Exception as exc:  # a health check reports every failure, it never raises
        return _failed(started, exc)
    return CheckResult(OK, _elapsed_ms(started), server=server)


def shows_details(caller: str, profile: str) -> bool:
    """Whether a health answer to ``caller`` names servers and errors: not to a caller with no
    credential in production."""
    return profile != "production" or caller not in ("anonymous", "user")


def health_report(service: str, checks: Mapping[str, CheckResult], detailed: bool = True) -> tuple[int, dict[str, Any]]:
    """HTTP status and body (the HealthReport contract) for ``/health``: 200 if all checks pass, else 503;
    without the checks' servers and errors unless ``detailed``."""
    failing = [name for name, result in checks.items() if result.status != OK]
    report = HealthReport(
        service=service,
        status=UNAVAILABLE if failing else OK,
        checks={name: result.as_dict(detailed) for name, result in checks.items()} or None,
        failing=failing or None,
    )
    return (503 if failing else 200), report.model_dump(exclude_none=True)


def liveness_report(service: str) -> dict[str, Any]:
    """Body for ``/health/live``: the process answers; no dependency is called."""
    return HealthReport(service=service, status=OK).model_dump(exclude_none=True)
