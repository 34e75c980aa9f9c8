"""``GET /api/services/`` against live services (Django's own live server, the other two served from
threads; the live test stack for the request ID in its logs), and with services dead or silent."""

import dataclasses
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.django_core.tower import health_cache
from apps.django_core.tower.stack_health import CONNECT_TIMEOUT, READ_TIMEOUT
from scripts.benchmarks.polling import HEALTH_CALL, mysql_connections
from tests import http_client
from tests.deadlines import within_promise
from tests.json_server import json_server
from tests.stack import free_port, wait_until

pytestmark = pytest.mark.django_db

SERVICES = {"django_core", "fastapi_market", "flask_regime"}


@pytest.fixture(autouse=True)
def checked_each_time(monkeypatch):
    """Each request of these tests checks the stack afresh (the 5 s cache is the last test's)."""
    monkeypatch.setattr(health_cache, "CACHE_S", 0.0)


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


def test_twenty_tabs_at_once_cost_one_check_of_the_stack(test_stack, test_urls, stack_ports):
    """The live django_core (its own process, its own cache): 20 polls at the same moment open at most
    one MySQL connection and call each other service's /health once."""
    health_cache.cache_path(stack_ports["django_core"]).unlink(missing_ok=True)  # the same user's directory
    mysql_url = f"mysql://aetherion:aetherion-test@127.0.0.1:{stack_ports['mysql']}/aetherion_core"
    tag = uuid.uuid4().hex[:8]
    before = mysql_connections(mysql_url)

    def tab(index: int) -> httpx.Response:
        headers = {"X-Request-ID": f"poll-{tag}-{index}"}
        return http_client.get(f"{test_urls['django_core']}/api/services/", headers=headers, timeout=30)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(tab, range(20)))
    opened = mysql_connections(mysql_url) - before - 1  # not the second count's own connection
    assert [a.status_code for a in answers] == [200] * 20
    assert len({a.content for a in answers}) == 1  # one report, served to all
    assert opened <= 1

    def calls() -> list[str]:
        return [
            line
            for line in test_stack.log_text().splitlines()
            if HEALTH_CALL.match(line) and f"rid=poll-{tag}-" in line
        ]

    wait_until(lambda: len(calls()) >= 2, 5, "the check's two /health calls logged")
    time.sleep(0.5)  # any later call would be logged by now
    assert sorted(line.split()[1].split(".")[0] for line in calls()) == ["fastapi_market", "flask_regime"]
