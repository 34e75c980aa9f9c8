"""fastapi_market's platform behaviour: problems for bad input, request IDs, liveness, internal auth."""

import dataclasses
import logging

import pytest
from fastapi.testclient import TestClient

from apps.fastapi_market.main import create_app
from tests.access_rules import allow_route
from tests.problem_checks import problem
from tests.stack import TOKEN


@pytest.fixture
def app(market_settings):
    yield create_app(market_settings)
    logging.getLogger().setLevel(logging.INFO)


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_request_id_is_taken_returned_and_in_problems(client):
    response = client.get("/no-such-route", headers={"X-Request-ID": "client-rid-2"})
    assert problem(response, 404).request_id == "client-rid-2"
    assert client.get("/health/live").headers["X-Request-ID"]  # made when not sent


def test_liveness_calls_nothing(market_settings):
    dead = dataclasses.replace(
        market_settings,
        mongo=dataclasses.replace(market_settings.mongo, url="mongodb://127.0.0.1:1/"),
        mongo_timeout_ms=200,
    )
    with TestClient(create_app(dead)) as client:
        assert client.get("/health/live").json() == {"service": "fastapi_market", "status": "ok"}
        assert client.get("/health").status_code == 503


def test_wrong_method_is_a_problem(client):
    assert problem(client.post("/health"), 405)


def test_internal_endpoints_need_the_token(client):
    assert problem(client.get("/internal/settings"), 401)
    assert problem(client.put("/internal/log-level", json={"level": "DEBUG"}), 401)
    assert problem(client.get("/internal/settings", headers={"Authorization": "Bearer nope"}), 403)
    answer = client.get("/internal/settings", headers=TOKEN)
    assert answer.status_code == 200
    names = {s["name"] for s in answer.json()["settings"]}
    assert {"MONGO_URL", "FASTAPI_MARKET_TOKEN", "ACCEPTED_TOKENS", "REGIME_READ_TIMEOUT"} <= names


def test_bad_body_lists_each_invalid_field(client):
    errors = problem(client.put("/internal/log-level", json={"level": 7, "extra": True}, headers=TOKEN), 422)
    assert {e["field"] for e in errors.extension("errors")} == {"body.level", "body.extra"}
    json_headers = {**TOKEN, "Content-Type": "application/json"}
    assert problem(client.put("/internal/log-level", content="{nope", headers=json_headers), 422)


def test_log_level_changes(client):
    response = client.put("/internal/log-level", json={"level": "WARNING"}, headers=TOKEN)
    assert response.json() == {"service": "fastapi_market", "level": "WARNING"}
    assert logging.getLogger().level == logging.WARNING


def test_unexpected_error_is_a_problem_without_a_trace(app, monkeypatch):
    allow_route(monkeypatch, "fastapi_market", "/boom")

    @app.get("/boom")
    async def boom():
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "boom-rid"})
    assert problem(response, 500).request_id == "boom-rid"
    assert "secret internals" not in response.text
