"""Inter-service HTTP: failures become 502/503/504, and every call carries the request ID and token."""

import asyncio
import time

import httpx
import pytest

from apps.common.contracts import HealthReport
from apps.common.http_async import async_service_client, get_contract
from apps.common.http_sync import get_contract_sync, parse_contract, send_contract_sync, sync_service_client
from apps.common.request_id import bind_request_id, reset_request_id
from apps.common.service_calls import ServiceCallError
from tests.deadlines import within_promise
from tests.stack import free_port

TIMEOUTS = {"token": "tok", "connect_timeout": 0.3, "read_timeout": 0.5}


def test_unreachable_service_is_503():
    url = f"http://127.0.0.1:{free_port()}/health"
    with sync_service_client(**TIMEOUTS) as client, pytest.raises(ServiceCallError) as caught:
        get_contract_sync(client, "svc", url, HealthReport)
    assert caught.value.status == 503 and "svc is unreachable" in caught.value.detail


def test_silent_service_is_504_within_the_timeout(silent_port):
    started = time.monotonic()
    with sync_service_client(**TIMEOUTS) as client, pytest.raises(ServiceCallError) as caught:
        get_contract_sync(client, "svc", f"http://127.0.0.1:{silent_port}/health", HealthReport)
    assert caught.value.status == 504
    assert time.monotonic() - started < within_promise(TIMEOUTS["connect_timeout"] + TIMEOUTS["read_timeout"])


def test_async_client_maps_the_same_way(silent_port):
    async def call():
        async with async_service_client(**TIMEOUTS) as client:
            await get_contract(client, "svc", f"http://127.0.0.1:{silent_port}/health", HealthReport)

    with pytest.raises(ServiceCallError) as caught:
        asyncio.run(call())
    assert caught.value.status == 504


def response(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, request=httpx.Request("GET", "http://svc/health"))


def test_an_error_status_is_502():
    with pytest.raises(ServiceCallError) as caught:
        parse_contract(response(500, b"oops"), HealthReport, "svc")
    assert caught.value.status == 502 and "svc answered 500" in caught.value.detail


def test_a_broken_contract_is_502_naming_the_field():
    with pytest.raises(ServiceCallError) as caught:
        parse_contract(response(200, b'{"service": "svc", "status": "fine"}'), HealthReport, "svc")
    assert caught.value.status == 502
    assert "broke its contract" in caught.value.detail and "status" in caught.value.detail


def test_calls_carry_the_current_request_id_and_the_token(flask_regime_http):
    token = bind_request_id("propagated-rid-1")
    try:
        with sync_service_client(**TIMEOUTS) as client:
            answer = client.get(f"{flask_regime_http}/health")
    finally:
        reset_request_id(token)
    assert answer.request.headers["Authorization"] == "Bearer tok"
    assert answer.request.headers["X-Request-ID"] == "propagated-rid-1"
    assert answer.headers["X-Request-ID"] == "propagated-rid-1"  # Flask took it as its own


def test_async_contract_calls_carry_the_request_id_and_the_token():
    from aiohttp import web

    seen = {}

    async def health(request: web.Request) -> web.Response:
        seen.update(request.headers)
        return web.json_response({"service": "svc", "status": "ok"})

    async def call() -> HealthReport:
        app = web.Application()
        app.router.add_get("/health", health)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        token = bind_request_id("propagated-rid-async")
        try:
            async with async_service_client(**TIMEOUTS) as client:
                return await get_contract(client, "svc", f"http://127.0.0.1:{port}/health", HealthReport)
        finally:
            reset_request_id(token)
            await runner.cleanup()

    assert asyncio.run(call()) == HealthReport(service="svc", status="ok")
    assert seen["Authorization"] == "Bearer tok"
    assert seen["X-Request-ID"] == "propagated-rid-async"


def test_async_client_unreachable_is_503():
    async def call():
        async with async_service_client(**TIMEOUTS) as client:
            await get_contract(client, "svc", f"http://127.0.0.1:{free_port()}/health", HealthReport)

    with pytest.raises(ServiceCallError) as caught:
        asyncio.run(call())
    assert caught.value.status == 503 and "svc is unreachable" in caught.value.detail


PROBLEM_422 = (
    b'{"type": "about:blank", "title": "Unprocessable Entity", "status": 422, "detail": "The request body is'
    b' invalid.", "instance": "/x", "request_id": "r", "errors": [{"field": "values", "message": "too few"}]}'
)


def test_a_problem_named_in_passed_on_keeps_its_detail_under_the_caller_s_status():
    from apps.common.service_calls import ContractCall
    from tests.json_server import json_server

    with json_server(lambda path: (422, PROBLEM_422)) as base, sync_service_client(**TIMEOUTS) as client:
        passed = ContractCall("svc", "GET", f"{base}/x", HealthReport, passed_on={422: 409})
        with pytest.raises(ServiceCallError) as caught:
            send_contract_sync(client, passed)
        assert (caught.value.status, caught.value.detail) == (409, "svc: The request body is invalid. values: too few")
        with pytest.raises(ServiceCallError) as plain:
            send_contract_sync(client, ContractCall("svc", "GET", f"{base}/x", HealthReport))
        assert plain.value.status == 502


def test_a_call_s_own_read_timeout_replaces_the_client_s():
    """An answer 1 s late: past the client's 0.5 s read timeout, within the call's own 10 s."""
    from apps.common.http_async import send_contract
    from apps.common.service_calls import ContractCall
    from tests.json_server import json_server

    def late(path: str) -> tuple[int, bytes]:
        time.sleep(1.0)
        return 200, b'{"service": "svc", "status": "ok"}'

    with json_server(late) as base:
        patient = ContractCall("svc", "GET", f"{base}/health", HealthReport, read_timeout=10)
        hasty = ContractCall("svc", "GET", f"{base}/health", HealthReport)
        with sync_service_client(**TIMEOUTS) as client:
            assert send_contract_sync(client, patient).status == "ok"
            with pytest.raises(ServiceCallError) as caught:
                send_contract_sync(client, hasty)
            assert caught.value.status == 504

        async def call(contract: ContractCall[HealthReport]) -> HealthReport:
            async with async_service_client(**TIMEOUTS) as client:
                return await send_contract(client, contract)

        assert asyncio.run(call(patient)).status == "ok"
        with pytest.raises(ServiceCallError) as caught:
            asyncio.run(call(hasty))
        assert caught.value.status == 504
