"""fastapi_market's settings on a MongoDB database of a test's (or a module's) own, on the session's server."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import MongoClient

from apps.common.databases import MongoTarget
from apps.fastapi_market.settings import Settings, load_settings


@contextmanager
def own_market_database(flask_regime_url: str) -> Iterator[Settings]:
    """Test-profile settings with a database name of their own (dropped afterwards), calling the
    flask_regime at ``flask_regime_url``."""
    settings = load_settings("test")
    database = f"aetherion_it_{uuid.uuid4().hex[:8]}"
    common = dataclasses.replace(settings.common, flask_regime_url=flask_regime_url)
    try:
        yield dataclasses.replace(settings, mongo=MongoTarget(settings.mongo.url, database), common=common)
    finally:
        with MongoClient(settings.mongo.url) as client:
            client.drop_database(database)
