"""The Control Tower's view of the whole stack: every service's health, checked at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any

import httpx
from django.conf import settings

from apps.common.contracts import HealthReport
from apps.common.health import OK, CheckResult, run_check
from apps.common.http import get_contract_sync, sync_service_client
from apps.django_core.env import SERVICE
from apps.django_core.views import mysql_ping

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0
DEGRADED = "degraded"


class ServiceUnhealthy(Exception):
    """A service answered its health check, and said it is unavailable."""


def stack_health_report(
    *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
) -> dict[str, Any]:
    """``{"status": "ok"|"degraded", "services": {name: {"status", "latency_ms", "url", "error"?}}}``.

    django_core is checked in this process (its MySQL query), never over HTTP, which would
    deadlock a single-worker server. The other services' ``/health`` are called in threads at
    the same time, so the report takes as long as the slowest check, within the timeouts.
    It never raises: a service that cannot be checked is reported unavailable, with the reason.
    """
    urls = settings.CONFIG.common.service_urls()
    remote = [name for name in urls if name != SERVICE]
    with (
        sync_service_client(
            token=settings.CONFIG.common.internal_api_token, connect_timeout=connect_timeout, read_timeout=read_timeout
        ) as client,
        ThreadPoolExecutor(max_workers=len(remote)) as pool,
    ):
        # Each thread runs in a copy of this context, so the calls carry this request's ID.
        futures = {
            name: pool.submit(copy_context().run, run_check, lambda name=name: _probe(client, name, urls[name]))
            for name in remote
        }
        own = run_check(mysql_ping)  # while the threads call the other services
        results = {SERVICE: own, **{name: future.result() for name, future in futures.items()}}
    services = {name: _entry(results[name], urls[name]) for name in urls}
    healthy = all(entry["status"] == OK for entry in services.values())
    return {"status": OK if healthy else DEGRADED, "services": services}


def _probe(client: httpx.Client, service: str, base_url: str) -> None:
    report = get_contract_sync(client, service, f"{base_url}/health", HealthReport, ok_statuses=(200, 503))
    if report.status != OK:
        raise ServiceUnhealthy(f"{service} reports itself unavailable: {', '.join(report.failing or ['no reason'])}")


def _entry(result: CheckResult, url: str) -> dict[str, Any]:
    return {**result.as_dict(), "url": url}
