"""fastapi_market through its test client, against the session's real MongoDB and the real Flask."""

import dataclasses
import time

from fastapi.testclient import TestClient

from apps.common.databases import MongoTarget
from apps.fastapi_market.main import create_app
from tests.deadlines import within_promise
from tests.fastapi_market.conftest import unreachable_url


def test_health_pings_mongodb(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "fastapi_market" and body["status"] == "ok"
    assert body["checks"]["mongodb"]["status"] == "ok" and body["checks"]["mongodb"]["latency_ms"] > 0


def test_health_is_503_naming_mongodb_when_it_is_unreachable(market_settings):
    settings = dataclasses.replace(
        market_settings,
        mongo=MongoTarget(f"{unreachable_url('mongodb')}/", "x"),
        mongo_timeout_ms=300,
    )
    with TestClient(create_app(settings)) as client:  # the app starts without its database
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["failing"] == ["mongodb"]
    assert elapsed < within_promise(settings.mongo_timeout_ms / 1000)  # MongoDB's wait, not its default 30 s


def test_check_regime_calls_flask_over_rest(client):
    response = client.get("/check-regime")
    assert response.status_code == 200
    assert response.json() == {"status": "flask_regime running"}


def test_check_regime_is_a_quick_503_problem_when_flask_is_down(market_settings):
    common = dataclasses.replace(market_settings.common, flask_regime_url=unreachable_url("http"))
    with TestClient(create_app(dataclasses.replace(market_settings, common=common))) as client:
        started = time.monotonic()
        response = client.get("/check-regime")
        elapsed = time.monotonic() - started
        assert client.get("/health").status_code == 200  # FastAPI itself stays up
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503 and "flask_regime is unreachable" in body["detail"]
    assert body["instance"] == "/check-regime"
    assert elapsed < within_promise(market_settings.regime_connect_timeout)


def test_unknown_route_and_wrong_method_are_problems(client):
    missing = client.get("/no-such-route")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "Not Found"
    wrong = client.delete("/health")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/check-regime"} <= set(paths)
