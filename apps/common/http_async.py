"""Calls between services from FastAPI with aiohttp (never a blocking call in an async handler):
one pooled session per process, explicit timeouts, the request ID and the internal token on every
call, failures as 502/503/504 problems (apps/common/service_calls.py).

aiohttp rather than httpx's AsyncClient: on 2 cores a FastAPI relay to Flask through it serves
about 3 times the requests per second, httpx's per-request overhead being the bottleneck (see the
README's "Performance").
"""

from __future__ import annotations

from collections.abc import Collection

import aiohttp

from apps.common.auth import authorization_header
from apps.common.service_calls import (
    KEEPALIVE_S,
    ContractCall,
    M,
    ServiceCallError,
    answer_contract,
    request_id_header,
    timeout_error,
    unreachable_error,
)


def async_service_client(
    *, token: str, connect_timeout: float, read_timeout: float, max_connections: int = 64
) -> aiohttp.ClientSession:
    """The pooled async client a FastAPI process opens once, in its lifespan (inside the running loop).

    ``connect_timeout`` bounds waiting for a pooled connection plus connecting; ``read_timeout``
    each read of the answer, as httpx's timeouts do for the sync client.
    """
    return aiohttp.ClientSession(
        headers=authorization_header(token),
        timeout=aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_connect=connect_timeout, sock_read=read_timeout
        ),
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=KEEPALIVE_S),
        cookie_jar=aiohttp.DummyCookieJar(),  # calls between services carry no cookies
    )


def call_error(exc: aiohttp.ClientError | TimeoutError, service: str, url: str) -> ServiceCallError:
    """A transport failure as a problem: 504 when too slow (aiohttp's timeouts are TimeoutErrors), 503 when
    unreachable."""
    if isinstance(exc, TimeoutError):
        return timeout_error(service, url)
    return unreachable_error(exc, service, url)


async def get_contract(
    client: aiohttp.ClientSession, service: str, url: str, model: type[M], ok_statuses: Collection[int] = (200,)
) -> M:
    """GET ``url`` and parse it as ``model``, failures as ServiceCallError."""
    return await send_contract(client, ContractCall(service, "GET", url, model, ok_statuses=ok_statuses))


async def send_contract(client: aiohttp.ClientSession, call: ContractCall[M]) -> M:
    """Make ``call`` and parse the answer as its model."""
    content, headers = call.content()
    headers |= request_id_header()  # the session carries the token
    timeout = client.timeout
    if call.read_timeout is not None:
        timeout = aiohttp.ClientTimeout(
            total=timeout.total, connect=timeout.connect, sock_connect=timeout.sock_connect, sock_read=call.read_timeout
        )
    try:
        async with client.request(call.method, call.url, data=content, headers=headers, timeout=timeout) as response:
            status, answer = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise call_error(exc, call.service, call.url) from None
    return answer_contract(status, answer, call.url, call.model, call.service, call.ok_statuses, call.passed_on)
