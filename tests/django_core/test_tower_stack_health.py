"""``GET /api/services/`` against live services (Django's own live server, the other two served from
threads; the live test stack for the request ID in its logs), and with services dead or silent."""

import dataclasses
import time

import pytest

from apps.django_core.tower.stack_health import CONNECT_TIMEOUT, READ_TIMEOUT
from tests.deadlines import within_promise
from tests.json_server import json_server
from tests.stack import free_port, wait_until

pytestmark = pytest.mark.django_db

SERVICES = {"django_core", "fastapi_market", "flask_regime"}


def point(settings, **urls: str) -> None:
    """Make this test's Django settings reach services at other URLs (``flask_regime_url=…``)."""
    common = dataclasses.replace(settings.CONFIG.common, **urls)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, common=common)


def test_every_service_is_ok_when_each_answers(client, settings, live_server):
    point(settings, django_core_url=live_server.url)  # its own /health/, served on the test database
    urls = settings.CONFIG.common.service_urls()
    response = client.get("/api/services/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and set(body["services"]) == SERVICES
    for name, entry in body["services"].items():
        assert entry["status"] == "ok" and "error" not in entry
        assert entry["latency_ms"] > 0 and entry["url"] == urls[name]
    # Each service's own database checks, as its /health reported them (Flask has none).
    assert set(body["services"]["django_core"]["checks"]) == {"mysql"}
    assert set(body["services"]["fastapi_market"]["checks"]) == {"mongodb"}
    assert "checks" not in body["services"]["flask_regime"]
    for name, check in (("django_core", "mysql"), ("fastapi_market", "mongodb")):
        assert body["services"][name]["checks"][check]["status"] == "ok"
        assert body["services"][name]["checks"][check]["latency_ms"] > 0
        assert "server" not in body["services"][name]
    assert body["services"]["django_core"]["checks"]["mysql"]["server"].startswith(("MariaDB ", "MySQL "))
    mongodb = body["services"]["fastapi_market"]["checks"]["mongodb"]["server"]
    assert mongodb == "FerretDB 1.24.1 + PostgreSQL" or mongodb.startswith("mongod "), mongodb


@pytest.fixture
def unhealthy_market():
    """An HTTP server that answers /health as fastapi_market does when its MongoDB is down."""
    import json

    report = {
        "service": "fastapi_market",
        "status": "unavailable",
        "failing": ["mongodb"],
        "checks": {
            "mongodb": {
                "status": "unavailable",
                "latency_ms": 2001.5,
                "error": "no answer within 2 s",
                "server": "FerretDB 1.24.1 + PostgreSQL",
            }
        },
    }

    with json_server(lambda path: (503, json.dumps(report).encode())) as url:
        yield url


def test_a_service_reporting_its_database_down_is_unavailable_with_the_reason(client, settings, unhealthy_market):
    point(settings, fastapi_market_url=unhealthy_market)
    body = client.get("/api/services/").json()
    market = body["services"]["fastapi_market"]
    assert body["status"] == "degraded" and market["status"] == "unavailable"
    assert market["error"] == "fastapi_market reports itself unavailable: mongodb (no answer within 2 s)"
    assert market["checks"]["mongodb"] == {
        "status": "unavailable",
        "latency_ms": 2001.5,
        "error": "no answer within 2 s",
        "server": "FerretDB 1.24.1 + PostgreSQL",
    }


def test_a_dead_service_is_reported_unavailable_quickly(client, settings):
    dead = f"http://127.0.0.1:{free_port()}"
    point(settings, flask_regime_url=dead)
    started = time.monotonic()
    response = client.get("/api/services/")
    assert time.monotonic() - started < within_promise(CONNECT_TIMEOUT)  # refused at once: no read timeout
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    flask = body["services"]["flask_regime"]
    assert flask["status"] == "unavailable" and flask["url"] == dead
    assert flask["error"].startswith(f"flask_regime is unreachable at {dead}/health")
    assert body["services"]["fastapi_market"]["status"] == "ok"
    assert body["services"]["django_core"]["status"] == "ok"


def test_silent_services_are_checked_at_the_same_time(client, settings, silent_port):
    silent_url = f"http://127.0.0.1:{silent_port}"
    point(settings, fastapi_market_url=silent_url, flask_regime_url=silent_url)
    started = time.monotonic()
    body = client.get("/api/services/").json()
    elapsed = time.monotonic() - started
    # Each times out after the 3 s read timeout; one after the other would take at least 6 s.
    assert READ_TIMEOUT - 0.1 < elapsed < 2 * READ_TIMEOUT
    for name in ("fastapi_market", "flask_regime"):
        assert body["services"][name]["status"] == "unavailable"
        assert "did not answer within the timeout" in body["services"][name]["error"]
    assert body["services"]["django_core"]["status"] == "ok" and body["status"] == "degraded"


def test_the_checks_carry_the_request_id(client, test_stack):
    response = client.get("/api/services/", HTTP_X_REQUEST_ID="tower-services-1")
    assert response.json()["status"] == "ok"

    def both_logged() -> bool:
        # Honcho's lines: "08:12:01 flask_regime.1   | GET /health 200 0.1ms rid=…"
        lines = [line for line in test_stack.log_text().splitlines() if line.endswith("rid=tower-services-1")]
        return all(
            any(f" {name}." in line and "| GET /health 200" in line for line in lines)
            for name in ("fastapi_market", "flask_regime")
        )

    wait_until(both_logged, 5, "both services logging the Control Tower's request ID")
