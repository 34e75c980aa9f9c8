"""Calls between services: one pooled client per process, explicit timeouts, the request ID and
the internal token on every call, and failures turned into 502/503/504 problems.

FastAPI uses ``async_service_client`` (never a blocking call in an async handler): an aiohttp
session, because on 2 cores a FastAPI relay to Flask through it serves about 3 times the requests
per second of one through httpx's AsyncClient, whose per-request overhead is the bottleneck (see
the README's "Performance"). Django and the scripts use ``sync_service_client`` (httpx).
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

import aiohttp
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


def _request_id_header() -> dict[str, str]:
    """The current request's ID to pass on, when there is one."""
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def _outgoing_headers(token: str) -> dict[str, str]:
    return {**authorization_header(token), **_request_id_header()}


def _timeout(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(read, connect=connect, pool=connect)


# Idle pooled connections are dropped before the servers' keep-alive (gunicorn's 5 s) closes them.
KEEPALIVE_S = 4


def async_service_client(*, token: str, connect_timeout: float, read_timeout: float,
                         max_connections: int = 64) -> aiohttp.ClientSession:
    """The pooled async client a FastAPI process opens once, in its lifespan (inside the running loop).

    ``connect_timeout`` bounds waiting for a pooled connection plus connecting; ``read_timeout``
    each read of the answer, as httpx's timeouts do for the sync client.
    """
    return aiohttp.ClientSession(
        headers=authorization_header(token),
        timeout=aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_connect=connect_timeout,
                                      sock_read=read_timeout),
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=KEEPALIVE_S),
        cookie_jar=aiohttp.DummyCookieJar(),  # calls between services carry no cookies
    )


def sync_service_client(*, token: str, connect_timeout: float, read_timeout: float) -> httpx.Client:
    """The pooled sync client for Django and the scripts."""

    def add_headers(request: httpx.Request) -> None:
        request.headers.update(_outgoing_headers(token))

    return httpx.Client(timeout=_timeout(connect_timeout, read_timeout), event_hooks={"request": [add_headers]})


def call_error(exc: httpx.HTTPError | aiohttp.ClientError | TimeoutError, service: str, url: str) -> ServiceCallError:
    """A transport failure as a problem: 504 when too slow, 503 when unreachable."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):  # aiohttp's timeouts are TimeoutErrors
        return ServiceCallError(504, f"{service} did not answer within the timeout ({url})")
    return ServiceCallError(503, f"{service} is unreachable at {url}: {type(exc).__name__}")


def parse_contract(response: httpx.Response, model: type[M], service: str, ok_statuses=(200,)) -> M:
    """The response body as ``model``; a bad status or a broken contract is a 502."""
    return _contract(response.status_code, response.content, str(response.request.url), model, service, ok_statuses)


def _contract(status: int, content: bytes, url: str, model: type[M], service: str, ok_statuses) -> M:
    if status not in ok_statuses:
        raise ServiceCallError(502, f"{service} answered {status} at {url}")
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ServiceCallError(502, f"{service} broke its contract at {url}: {where}: {first['msg']}") from None


async def get_contract(client: aiohttp.ClientSession, service: str, url: str, model: type[M], ok_statuses=(200,)) -> M:
    """GET ``url`` and parse it as ``model``, failures as ServiceCallError."""
    return await send_contract(client, "GET", service, url, model, ok_statuses=ok_statuses)


async def send_contract(client: aiohttp.ClientSession, method: str, service: str, url: str, model: type[M],
                        body: BaseModel | None = None, ok_statuses=(200,)) -> M:
    """Send ``body`` (a contract model, as JSON) and parse the answer as ``model``."""
    content = body.model_dump_json().encode() if body is not None else None
    headers = _request_id_header()  # the session carries the token
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        async with client.request(method, url, data=content, headers=headers) as response:
            status, answer = response.status, await response.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise call_error(exc, service, url) from None
    return _contract(status, answer, url, model, service, ok_statuses)


def get_contract_sync(client: httpx.Client, service: str, url: str, model: type[M], ok_statuses=(200,)) -> M:
    """The blocking twin of ``get_contract``."""
    return send_contract_sync(client, "GET", service, url, model, ok_statuses=ok_statuses)


def send_contract_sync(client: httpx.Client, method: str, service: str, url: str, model: type[M],
                       body: BaseModel | None = None, ok_statuses=(200,)) -> M:
    """The blocking twin of ``send_contract``."""
    content = body.model_dump_json().encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else None
    try:
        response = client.request(method, url, content=content, headers=headers)
    except httpx.HTTPError as exc:
        raise call_error(exc, service, url) from None
    return parse_contract(response, model, service, ok_statuses)
