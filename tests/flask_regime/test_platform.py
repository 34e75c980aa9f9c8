"""flask_regime's platform behaviour: problems for bad input, request IDs, liveness, internal auth."""

import logging

import pytest

from apps.flask_regime import create_app
from tests.problem_checks import problem
from tests.stack import TOKEN


@pytest.fixture
def client():
    yield create_app({"TESTING": True}).test_client()
    logging.getLogger().setLevel(logging.INFO)


def test_request_id_is_taken_returned_and_in_problems(client):
    response = client.get("/no-such-route", headers={"X-Request-ID": "client-rid-1"})
    assert response.headers["X-Request-ID"] == "client-rid-1"
    assert problem(response, 404).request_id == "client-rid-1"


def test_liveness_calls_nothing(client):
    assert client.get("/health/live").get_json() == {"service": "flask_regime", "status": "ok"}


def test_internal_endpoint_needs_the_token(client):
    assert problem(client.get("/internal/settings"), 401)
    assert client.get("/internal/settings").headers["WWW-Authenticate"] == "Bearer"
    assert problem(client.get("/internal/settings", headers={"Authorization": "Bearer wrong"}), 403)
    answer = client.get("/internal/settings", headers=TOKEN)
    assert answer.status_code == 200 and answer.get_json()["service"] == "flask_regime"
    assert "test-internal-token" not in answer.get_data(as_text=True)


def test_health_stays_public(client):
    assert client.get("/health").status_code == 200


def test_bad_body_lists_each_invalid_field(client):
    response = client.put("/internal/log-level", json={"level": "LOUD", "extra": 1}, headers=TOKEN)
    errors = problem(response, 422).extension("errors")
    assert {e["field"] for e in errors} == {"level", "extra"}


def test_malformed_json_and_wrong_content_type_are_problems(client):
    assert problem(client.put("/internal/log-level", data="{nope", content_type="application/json", headers=TOKEN), 422)
    assert problem(client.put("/internal/log-level", data="level=DEBUG", headers=TOKEN), 415)


def test_log_level_changes(client):
    response = client.put("/internal/log-level", json={"level": "DEBUG"}, headers=TOKEN)
    assert response.get_json() == {"service": "flask_regime", "level": "DEBUG"}
    assert logging.getLogger().level == logging.DEBUG
