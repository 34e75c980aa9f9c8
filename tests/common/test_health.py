"""The health primitive: checks are timed, failures named, the verdict 200 or 503."""

import asyncio

from apps.common.health import OK, UNAVAILABLE, CheckResult, health_report, run_check, run_check_async


def refuse() -> None:
    raise ConnectionRefusedError("connection refused by 127.0.0.1:1")


def test_passing_check_is_ok_and_timed():
    result = run_check(lambda: None)
    assert result.status == OK and result.error is None and result.latency_ms >= 0


def test_failing_check_is_unavailable_with_its_reason():
    result = run_check(refuse)
    assert result.status == UNAVAILABLE
    assert result.error == "connection refused by 127.0.0.1:1"


def test_async_check_times_out_instead_of_hanging():
    async def hang():
        await asyncio.sleep(10)

    result = asyncio.run(run_check_async(hang, timeout=0.05))
    assert result.status == UNAVAILABLE
    assert result.error == "no answer within 0.05 s"
    assert result.latency_ms < 1000


def test_report_is_200_when_every_check_passes():
    status, body = health_report("svc", {"db": CheckResult(OK, 1.5)})
    assert status == 200
    assert body == {"service": "svc", "status": "ok", "checks": {"db": {"status": "ok", "latency_ms": 1.5}}}


def test_report_is_503_naming_the_failing_check():
    status, body = health_report("svc", {"db": CheckResult(OK, 1.0), "cache": CheckResult(UNAVAILABLE, 2.0, "down")})
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"] == {"status": "unavailable", "latency_ms": 2.0, "error": "down"}


def test_report_without_dependencies_is_just_ok():
    assert health_report("flask_regime", {}) == (200, {"service": "flask_regime", "status": "ok"})
