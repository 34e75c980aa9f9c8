"""Contract tests: each consumer's parsing, run against the real provider of the test stack.

A provider that changes a payload the other side reads fails here, not in production.
"""

import asyncio

import pytest

from apps.common.contracts import CheckRegimeResponse, HealthReport, MarkovFilterResponse, MarkovFitResponse, Problem
from apps.common.health import READINESS_PATHS
from apps.common.http_async import async_service_client, get_contract
from apps.fastapi_market.settings import load_settings as market_settings
from tests import http_client
from tests.stack import TOKEN


def test_fastapi_reads_flask_health_with_its_own_client(test_stack):
    """fastapi_market (consumer) → flask_regime /health (provider), as /check-regime calls it."""
    settings = market_settings("test")

    async def consume() -> HealthReport:
        client = async_service_client(
            token=settings.common.tokens.own,
            connect_timeout=settings.regime_connect_timeout,
            read_timeout=settings.regime_read_timeout,
        )
        async with client:
            return await get_contract(client, "flask_regime", f"{settings.flask_regime_url}/health", HealthReport)

    assert asyncio.run(consume()) == HealthReport(service="flask_regime", status="ok")


@pytest.mark.parametrize(("service", "path"), sorted(READINESS_PATHS.items()))
def test_every_health_endpoint_keeps_the_health_contract(test_stack, test_urls, service, path):
    report = HealthReport.model_validate_json(http_client.get(f"{test_urls[service]}{path}", timeout=5).content)
    assert report.service == service and report.status == "ok"


def test_check_regime_keeps_its_contract(test_stack, test_urls):
    """scripts/smoke.py and the Control Tower read /check-regime with this model."""
    body = http_client.get(f"{test_urls['fastapi_market']}/check-regime", timeout=5).content
    assert CheckRegimeResponse.model_validate_json(body).status == "flask_regime running"


@pytest.mark.parametrize("service", ["django_core", "fastapi_market", "flask_regime"])
def test_every_error_keeps_the_problem_contract(test_stack, test_urls, service):
    response = http_client.get(
        f"{test_urls[service]}/no-such-route/", headers={"X-Request-ID": f"contract-{service}"}, timeout=5
    )
    assert response.headers["content-type"] == "application/problem+json"
    problem = Problem.model_validate_json(response.content)
    assert problem.status == 404 and problem.request_id == f"contract-{service}"


def test_the_markov_endpoints_keep_their_contracts(test_stack, test_urls):
    """fastapi_market will fit regimes once per data version and filter on each read: both answers parse."""
    values = [0.1 * (i % 7) + (3.0 if 40 <= i < 80 else 0.0) for i in range(120)]
    fitted = http_client.post(
        f"{test_urls['flask_regime']}/regime/markov", json={"values": values}, headers=TOKEN, timeout=30
    )
    fit = MarkovFitResponse.model_validate_json(fitted.content)
    assert fit.nobs == len(fit.filtered) == 120 and fit.params.regimes[1].mean > fit.params.regimes[0].mean
    body = {"values": values, "params": fit.params.model_dump()}
    filtered = http_client.post(
        f"{test_urls['flask_regime']}/regime/markov/filter", json=body, headers=TOKEN, timeout=30
    )
    rows = MarkovFilterResponse.model_validate_json(filtered.content).filtered
    assert [p for row in rows for p in row] == pytest.approx([p for row in fit.filtered for p in row], abs=1e-12)
