import dataclasses
import uuid

import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient

from apps.common.databases import MongoTarget
from apps.fastapi_market.main import create_app
from apps.fastapi_market.settings import Settings, load_settings


@pytest.fixture(scope="session")
def market_settings(test_stack) -> Settings:
    """Test-profile settings on the stack's real MongoDB, in a database of this session's own."""
    settings = load_settings("test")
    database = f"aetherion_it_{uuid.uuid4().hex[:8]}"
    yield dataclasses.replace(settings, mongo=MongoTarget(settings.mongo.url, database))
    with MongoClient(settings.mongo.url) as client:
        client.drop_database(database)


@pytest.fixture
def client(market_settings):
    with TestClient(create_app(market_settings)) as client:  # runs the lifespan: real clients
        yield client


def unreachable_url(scheme: str) -> str:
    """An address nothing listens on."""
    return f"{scheme}://127.0.0.1:1"
