"""Blocking calls between services with httpx, for Django and the scripts: one pooled client,
explicit timeouts, the request ID and the internal token on every call, failures as 502/503/504
problems (apps/common/service_calls.py)."""

from __future__ import annotations

from collections.abc import Collection

import httpx

from apps.common.service_calls import (
    ContractCall,
    M,
    ServiceCallError,
    answer_contract,
    outgoing_headers,
    timeout_error,
    unreachable_error,
)


def sync_service_client(*, token: str, connect_timeout: float, read_timeout: float) -> httpx.Client:
    """The pooled sync client for Django and the scripts."""

    def add_headers(request: httpx.Request) -> None:
        request.headers.update(outgoing_headers(token))

    return httpx.Client(
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout),
        event_hooks={"request": [add_headers]},
    )


def call_error(exc: httpx.HTTPError, service: str, url: str) -> ServiceCallError:
    """A transport failure as a problem: 504 when too slow, 503 when unreachable."""
    if isinstance(exc, httpx.TimeoutException):
        return timeout_error(service, url)
    return unreachable_error(exc, service, url)


def parse_contract(response: httpx.Response, model: type[M], service: str, ok_statuses: Collection[int] = (200,)) -> M:
    """The response body as ``model``; a bad status or a broken contract is a 502."""
    return answer_contract(
        response.status_code, response.content, str(response.request.url), model, service, ok_statuses
    )


def get_contract_sync(
    client: httpx.Client, service: str, url: str, model: type[M], ok_statuses: Collection[int] = (200,)
) -> M:
    """GET ``url`` and parse it as ``model``, failures as ServiceCallError."""
    return send_contract_sync(client, ContractCall(service, "GET", url, model, ok_statuses=ok_statuses))


def send_contract_sync(client: httpx.Client, call: ContractCall[M]) -> M:
    """Make ``call`` and parse the answer as its model (the client carries the token and request ID)."""
    content, headers = call.content()
    timeout = client.timeout
    if call.read_timeout is not None:
        timeout = httpx.Timeout(connect=timeout.connect, read=call.read_timeout, write=timeout.write, pool=timeout.pool)
    try:
        response = client.request(call.method, call.url, content=content, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise call_error(exc, call.service, call.url) from None
    url = str(response.request.url)
    return answer_contract(
        response.status_code, response.content, url, call.model, call.service, call.ok_statuses, call.passed_on
    )
