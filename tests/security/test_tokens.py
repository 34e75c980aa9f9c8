"""No one where they don't belong (issue 6, scenario 10): over real HTTP on the live test stack,
internal and write endpoints answer 401 without a token and 403 with a wrong one, on all three
services; health endpoints stay public; every comparison goes through hmac.compare_digest.
tests/security/test_access_sweep.py walks every route against every caller in production."""

import hmac

import httpx
import pytest
from django.test import Client as DjangoClient
from fastapi.testclient import TestClient

from apps.common import auth
from tests import http_client
from tests.problem_checks import assert_problem
from tests.stack import OPERATOR_TOKEN, TEST_ENV, TOKEN

GUARDED = [
    ("django_core", "GET", "/internal/settings/"),
    ("django_core", "PUT", "/internal/log-level/"),
    ("django_core", "POST", "/api/instruments/"),
    ("django_core", "PUT", "/api/instruments/AAPL/"),
    ("django_core", "PATCH", "/api/instruments/AAPL/"),
    ("django_core", "DELETE", "/api/instruments/AAPL/"),
    ("fastapi_market", "POST", "/bars"),
    ("fastapi_market", "GET", "/internal/settings"),
    ("fastapi_market", "PUT", "/internal/log-level"),
    ("flask_regime", "POST", "/regime"),
    ("flask_regime", "POST", "/regime/markov"),
    ("flask_regime", "POST", "/regime/markov/filter"),
    ("flask_regime", "GET", "/internal/settings"),
    ("flask_regime", "PUT", "/internal/log-level"),
]
PUBLIC = [
    ("django_core", "/health/"),
    ("django_core", "/health/live"),
    ("django_core", "/api/instruments/"),
    ("fastapi_market", "/health"),
    ("fastapi_market", "/health/live"),
    ("flask_regime", "/health"),
    ("flask_regime", "/health/live"),
]
WRONG_TOKENS = ["wrong", "test-operator-token-not-a-secre", "dev-operator-token", "ü" * 8]


def send(test_urls, service: str, method: str, path: str, headers: dict | None = None) -> httpx.Response:
    # A body that would be valid: the token is checked before it, whatever the body is.
    return http_client.request(
        method, f"{test_urls[service]}{path}", json={"level": "INFO"}, headers=headers, timeout=10
    )


@pytest.mark.parametrize(("service", "method", "path"), GUARDED)
def test_no_token_is_401_and_a_wrong_one_403(test_stack, test_urls, service, method, path):
    missing = send(test_urls, service, method, path)
    assert_problem(missing, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_problem(send(test_urls, service, method, path, {"Authorization": "Basic eDp5"}), 401)
    for wrong in WRONG_TOKENS:
        assert_problem(send(test_urls, service, method, path, {"Authorization": f"Bearer {wrong}".encode()}), 403)


@pytest.mark.parametrize(("service", "method", "path"), [g for g in GUARDED if g[1] == "GET" or "log-level" in g[2]])
def test_the_right_token_passes(test_stack, test_urls, service, method, path):
    assert send(test_urls, service, method, path, TOKEN).status_code == 200


@pytest.mark.parametrize(("service", "path"), PUBLIC)
def test_health_and_reads_are_public(test_stack, test_urls, service, path):
    assert http_client.get(f"{test_urls[service]}{path}", timeout=10).status_code == 200


@pytest.fixture
def compared(monkeypatch) -> list[tuple[bytes, bytes]]:
    """Every call to hmac.compare_digest made by the token check."""
    calls = []
    original = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", recording)
    return calls


def test_every_service_compares_the_token_s_digest_with_every_accepted_one_by_compare_digest(compared):
    """Every accepted digest, whichever matches: how long the check takes says nothing of the tokens."""
    from apps.fastapi_market.main import create_app as market_app
    from apps.flask_regime import create_app as regime_app

    accepted = sorted(auth.accepted_parse(TEST_ENV["ACCEPTED_TOKENS"] or ""))
    for sent in ("not-the-token", OPERATOR_TOKEN):
        compared.clear()
        headers = {"Authorization": f"Bearer {sent}"}
        status = 403 if sent == "not-the-token" else 200
        with TestClient(market_app()) as market:
            assert market.get("/internal/settings", headers=headers).status_code == status
        assert regime_app().test_client().get("/internal/settings", headers=headers).status_code == status
        assert DjangoClient().get("/internal/settings/", headers=headers).status_code == status
        digest = auth.token_digest(sent)
        assert sorted(compared) == sorted([(known, digest) for known in accepted] * 3)
