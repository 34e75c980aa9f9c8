import pytest
from fastapi.testclient import TestClient

from apps.fastapi_market.main import create_app
from apps.fastapi_market.settings import Settings
from tests.market_databases import own_market_database


@pytest.fixture(scope="module")
def market_settings(session_databases, flask_regime_http) -> Settings:
    """Test-profile settings on the session's real MongoDB, in a database of this module's own, calling
    the real flask_regime (served from a thread)."""
    with own_market_database(flask_regime_http) as settings:
        yield settings


@pytest.fixture
def client(market_settings):
    with TestClient(create_app(market_settings)) as client:  # runs the lifespan: real clients
        yield client


def unreachable_url(scheme: str) -> str:
    """An address nothing listens on."""
    return f"{scheme}://127.0.0.1:1"
