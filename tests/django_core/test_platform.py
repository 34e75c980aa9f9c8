"""django_core's platform behaviour: problems for bad input, request IDs, liveness, internal auth."""

import logging

import pytest
from django.http import HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.django_core.urls import urlpatterns as real_patterns
from tests.access_rules import allow_route
from tests.problem_checks import problem
from tests.stack import DJANGO_TOKEN as TOKEN


def boom(request) -> HttpResponse:
    raise RuntimeError("secret internals")


class SymbolSerializer(serializers.Serializer):
    symbol = serializers.RegexField(r"^[A-Z]{1,10}$")
    quantity = serializers.IntegerField(min_value=1)


class SymbolView(APIView):
    """A DRF endpoint like the Control Tower's own will be."""

    def post(self, request):
        serializer = SymbolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


# This module doubles as a URLconf for the tests marked with it.
urlpatterns = [*real_patterns, path("boom/", boom), path("drf/symbols/", SymbolView.as_view())]


@pytest.fixture(autouse=True)
def restore_level():
    yield
    logging.getLogger().setLevel(logging.INFO)


def test_request_id_is_taken_returned_and_in_problems(client):
    response = client.get("/no-such-route/", HTTP_X_REQUEST_ID="client-rid-3")
    assert problem(response, 404).request_id == "client-rid-3"


def test_liveness_calls_nothing(client):
    # No database marker: liveness must not touch MySQL (pytest-django would refuse the query).
    assert client.get("/health/live").json() == {"service": "django_core", "status": "ok"}
    assert client.get("/health/live/").status_code == 200


def test_internal_endpoints_need_the_token(client):
    assert problem(client.get("/internal/settings/"), 401)
    assert problem(client.get("/internal/settings/", HTTP_AUTHORIZATION="Bearer nope"), 403)
    answer = client.get("/internal/settings/", **TOKEN)
    assert answer.status_code == 200
    assert {s["name"] for s in answer.json()["settings"]} >= {"MYSQL_URL", "DJANGO_SECRET_KEY"}
    assert "test-only-django-key" not in answer.content.decode()


def test_bad_body_lists_each_invalid_field(client):
    response = client.put("/internal/log-level/", {"level": "LOUD"}, content_type="application/json", **TOKEN)
    assert problem(response, 422).extension("errors") == [
        {"field": "level", "message": "Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"}
    ]
    assert problem(client.put("/internal/log-level/", "{nope", content_type="application/json", **TOKEN), 422)
    assert problem(client.put("/internal/log-level/", "level=DEBUG", content_type="text/plain", **TOKEN), 415)


def test_wrong_method_on_internal_endpoint_is_a_problem(client):
    assert problem(client.get("/internal/log-level/", **TOKEN), 405)


def test_log_level_changes(client):
    response = client.put("/internal/log-level/", {"level": "ERROR"}, content_type="application/json", **TOKEN)
    assert response.json() == {"service": "django_core", "level": "ERROR"}
    assert logging.getLogger().level == logging.ERROR


@pytest.fixture(autouse=True)
def own_routes_allowed(monkeypatch):
    """This module's own routes (urlpatterns above) have rules in the access table."""
    allow_route(monkeypatch, "django_core", "boom/")
    allow_route(monkeypatch, "django_core", "drf/symbols/", ("POST",))


@pytest.mark.urls(__name__)
def test_unexpected_error_is_a_problem_without_a_trace(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/", HTTP_X_REQUEST_ID="boom-rid-3")
    assert problem(response, 500).request_id == "boom-rid-3"
    assert "secret internals" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_drf_validation_errors_are_problems_listing_each_field(client):
    response = client.post("/drf/symbols/", {"symbol": "aapl!", "quantity": 0}, content_type="application/json")
    errors = problem(response, 400).extension("errors")
    assert {e["field"] for e in errors} == {"symbol", "quantity"}
    assert {"field": "quantity", "message": "Ensure this value is greater than or equal to 1."} in errors
    assert client.post("/drf/symbols/", {"symbol": "AAPL", "quantity": 3}, content_type="application/json").json() == {
        "symbol": "AAPL",
        "quantity": 3,
    }


@pytest.mark.urls(__name__)
def test_drf_malformed_json_and_wrong_method_are_problems(client):
    assert (
        "JSON parse error"
        in problem(client.post("/drf/symbols/", "{nope", content_type="application/json"), 400).detail
    )
    assert problem(client.get("/drf/symbols/"), 405)
