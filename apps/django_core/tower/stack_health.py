"""The Control Tower's view of the whole stack: every service's health, checked at once."""

from __future__ import annotations

import atexit
import dataclasses
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import Any

import httpx
from django.conf import settings

from apps.common.contracts import HealthReport
from apps.common.health import OK, run_check
from apps.common.http_sync import get_contract_sync
from apps.django_core.env import SERVICE
from apps.django_core.tower.service_clients import service_client
from apps.django_core.views import mysql_ping

CONNECT_TIMEOUT = 1.0
# Above the services' own database timeouts (MONGO_TIMEOUT_MS, MYSQL_CONNECT_TIMEOUT: 2 s), so a
# service whose database is down answers its 503 with the reason before this call gives up.
READ_TIMEOUT = 3.0
DEGRADED = "degraded"
MIN_REQUEST_THREADS = 4


class ServiceUnhealthy(Exception):
    """A service answered its health check, and said it is unavailable."""


class _Callers:
    """This process's pooled HTTP clients (one per pair of timeouts) and the threads that call the other
    services' /health: made on first use, shared by every request thread (httpx.Client and the executor
    are thread-safe), closed when the process exits. A forked child (a gunicorn worker of a preloaded
    app) makes its own rather than sharing its parent's connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._clients: dict[tuple[float, float], httpx.Client] = {}
        self._pool: ThreadPoolExecutor | None = None
        atexit.register(self.close)

    def get(self, connect_timeout: float, read_timeout: float) -> tuple[httpx.Client, ThreadPoolExecutor]:
        with self._lock:
            if self._pid != os.getpid():  # inherited across a fork: leave the parent's sockets alone
                self._pid, self._clients, self._pool = os.getpid(), {}, None
            key = (connect_timeout, read_timeout)
            if key not in self._clients:
                self._clients[key] = service_client(connect_timeout=connect_timeout, read_timeout=read_timeout)
            if self._pool is None:
                # Every request thread of a gthread worker may check the stack at once, each calling every
                # other service: enough threads that no request waits for another's calls. runserver (dev)
                # gives each request a thread of its own whatever DJANGO_CORE_THREADS says: at least 4.
                threads = max(settings.CONFIG.server.threads, MIN_REQUEST_THREADS)
                workers = threads * max(1, len(settings.CONFIG.common.service_urls()) - 1)
                self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stack-health")
            return self._clients[key], self._pool

    def close(self) -> None:
        with self._lock:
            clients, pool = list(self._clients.values()), self._pool
            self._clients, self._pool = {}, None
        for client in clients:
            client.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_callers = _Callers()


def stack_health_report(
    *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
) -> dict[str, Any]:
    """``{"status": "ok"|"degraded", "services": {name: {"status", "latency_ms", "url", "error"?, "checks"?}}}``.

    ``checks`` are the service's own dependency checks as its ``/health`` reported them (status,
    latency, error and the database server's name when given), absent when it did not answer.
    django_core is checked in this process (its MySQL query), never over HTTP, which would
    deadlock a single-worker server. The other services' ``/health`` are called in threads at
    the same time, so the report takes as long as the slowest check, within the timeouts.
    It never raises: a service that cannot be checked is reported unavailable, with the reason.
    """
    urls = settings.CONFIG.common.service_urls()
    remote = [name for name in urls if name != SERVICE]
    client, pool = _callers.get(connect_timeout, read_timeout)
    # Each thread runs in a copy of this context, so the calls carry this request's ID.
    futures = {name: pool.submit(copy_context().run, _remote_entry, client, name, urls[name]) for name in remote}
    own = run_check(mysql_ping)  # while the threads call the other services
    # Its own entry is its MySQL check; the server's name belongs to the check, not the service.
    entries = {
        SERVICE: {**dataclasses.replace(own, server=None).as_dict(), "checks": {"mysql": own.as_dict()}},
        **{name: future.result() for name, future in futures.items()},
    }
    services = {name: {**entries[name], "url": urls[name]} for name in urls}
    healthy = all(entry["status"] == OK for entry in services.values())
    return {"status": OK if healthy else DEGRADED, "services": services}


def _remote_entry(client: httpx.Client, service: str, base_url: str) -> dict[str, Any]:
    answered: list[HealthReport] = []
    entry = run_check(lambda: _probe(client, service, base_url, answered)).as_dict()
    if answered and answered[0].checks:
        entry["checks"] = {name: check.model_dump(exclude_none=True) for name, check in answered[0].checks.items()}
    return entry


def _probe(client: httpx.Client, service: str, base_url: str, answered: list[HealthReport]) -> None:
    report = get_contract_sync(client, service, f"{base_url}/health", HealthReport, ok_statuses=(200, 503))
    answered.append(report)
    if report.status != OK:
        reasons = [_failing(name, report) for name in report.failing or []]
        raise ServiceUnhealthy(f"{service} reports itself unavailable: {'; '.join(reasons) or 'no reason'}")


def _failing(check: str, report: HealthReport) -> str:
    """A failing check's name, with its error when the report gives one."""
    found = report.checks.get(check) if report.checks else None
    error = found.error if found else None
    return f"{check} ({error})" if error else check
