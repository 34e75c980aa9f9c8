import dataclasses

import pytest

from tests.market_databases import own_market_database
from tests.thread_servers import asgi_served


@pytest.fixture(scope="session")
def django_db_setup(session_databases, django_db_setup):
    """Django's test database lives on the session's real MySQL server."""
    return django_db_setup


@pytest.fixture(scope="session")
def services_in_threads(session_databases, flask_regime_http) -> dict[str, str]:
    """The services the Control Tower calls, as real apps served from threads of this process: fastapi_market
    (on a MongoDB database of its own) and flask_regime. Their base URLs by name."""
    from apps.fastapi_market.main import create_app

    with own_market_database(flask_regime_http) as market_settings, asgi_served(create_app(market_settings)) as url:
        yield {"fastapi_market": url, "flask_regime": flask_regime_http}


@pytest.fixture(autouse=True)
def calls_to_services_in_threads(request, settings, services_in_threads) -> None:
    """Django's calls to fastapi_market and flask_regime reach the apps served from threads; a test that
    drives the live test stack keeps the session's URLs (its services)."""
    if "test_stack" in request.fixturenames:
        return
    common = dataclasses.replace(
        settings.CONFIG.common,
        fastapi_market_url=services_in_threads["fastapi_market"],
        flask_regime_url=services_in_threads["flask_regime"],
    )
    settings.CONFIG = dataclasses.replace(settings.CONFIG, common=common)


@pytest.fixture
def production_access(settings):
    """The production profile's access rules (apps/common/access.py), for this test's requests."""
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, common=dataclasses.replace(settings.CONFIG.common, profile="production")
    )
