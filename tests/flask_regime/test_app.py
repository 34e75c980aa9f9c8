"""flask_regime through Flask's test client: the factory, health, and problem documents."""

import pytest

from apps.flask_regime import create_app
from apps.flask_regime.settings import Settings
from tests.access_rules import allow_route


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def test_factory_loads_the_test_profile_and_accepts_overrides(stack_ports):
    assert not create_app().testing
    app = create_app({"TESTING": True})
    assert app.testing
    settings = app.config["REGIME_SETTINGS"]
    assert isinstance(settings, Settings) and settings.port == stack_ports["flask_regime"]


def test_health_is_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"service": "flask_regime", "status": "ok"}


def test_unknown_route_is_a_problem(client):
    response = client.get("/no-such-route")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["instance"] == "/no-such-route"
    assert set(body) >= {"type", "title", "status", "detail", "instance"}


def test_wrong_method_is_a_problem_with_allow(client):
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_a_problem_without_a_trace(app, monkeypatch):
    allow_route(monkeypatch, "flask_regime", "/boom")

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.testing = False  # let the error handler answer, as in production
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)
