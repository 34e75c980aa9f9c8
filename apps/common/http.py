"""Calls between services: one pooled client per process, explicit timeouts, the request ID and
the internal token on every call, and failures turned into 502/503/504 problems.

FastAPI uses ``async_service_client`` (never a blocking call in an async handler); Django and the
scripts use ``sync_service_client``.
"""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from apps.common.auth import authorization_header
from apps.common.request_id import REQUEST_ID_HEADER, current_request_id

M = TypeVar("M", bound=BaseModel)


class ServiceCallError(Exception):
    """A call to another service failed; ``status`` is the problem status to answer with."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _outgoing_headers(token: str) -> dict[str, str]:
    headers = authorization_header(token)
    if request_id := current_request_id():
        headers[REQUEST_ID_HEADER] = request_id
    return headers


def _timeout(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(read, connect=connect, pool=connect)


def async_service_client(*, token: str, connect_timeout: float, read_timeout: float,
                         max_connections: int = 64) -> httpx.AsyncClient:
    """The pooled async client a FastAPI process opens once, in its lifespan."""

    async def add_headers(request: httpx.Request) -> None:
        request.headers.update(_outgoing_headers(token))

    return httpx.AsyncClient(
        timeout=_timeout(connect_timeout, read_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2),
        event_hooks={"request": [add_headers]},
    )


def sync_service_client(*, token: str, connect_timeout: float, read_timeout: float) -> httpx.Client:
    """The pooled sync client for Django and the scripts."""

    def add_headers(request: httpx.Request) -> None:
        request.headers.update(_outgoing_headers(token))

    return httpx.Client(timeout=_timeout(connect_timeout, read_timeout), event_hooks={"request": [add_headers]})


def call_error(exc: httpx.HTTPError, service: str, url: str) -> ServiceCallError:
    """A transport failure as a problem: 504 when too slow, 503 when unreachable."""
    if isinstance(exc, httpx.TimeoutException):
        return ServiceCallError(504, f"{service} did not answer within the timeout ({url})")
    return ServiceCallError(503, f"{service} is unreachable at {url}: {type(exc).__name__}")


def parse_contract(response: httpx.Response, model: type[M], service: str, ok_statuses=(200,)) -> M:
    """The response body as ``model``; a bad status or a broken contract is a 502."""
    url = str(response.request.url)
    if response.status_code not in ok_statuses:
        raise ServiceCallError(502, f"{service} answered {response.status_code} at {url}")
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ServiceCallError(502, f"{service} broke its contract at {url}: {where}: {first['msg']}") from None


async def get_contract(client: httpx.AsyncClient, service: str, url: str, model: type[M], ok_statuses=(200,)) -> M:
    """GET ``url`` and parse it as ``model``, failures as ServiceCallError."""
    return await send_contract(client, "GET", service, url, model, ok_statuses=ok_statuses)


async def send_contract(client: httpx.AsyncClient, method: str, service: str, url: str, model: type[M],
                        body: BaseModel | None = None, ok_statuses=(200,)) -> M:
    """Send ``body`` (a contract model, as JSON) and parse the answer as ``model``."""
    content = body.model_dump_json().encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else None
    try:
        response = await client.request(method, url, content=content, headers=headers)
    except httpx.HTTPError as exc:
        raise call_error(exc, service, url) from None
    return parse_contract(response, model, service, ok_statuses)


def get_contract_sync(client: httpx.Client, service: str, url: str, model: type[M], ok_statuses=(200,)) -> M:
    """The blocking twin of ``get_contract``."""
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise call_error(exc, service, url) from None
    return parse_contract(response, model, service, ok_statuses)
