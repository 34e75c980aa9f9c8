"""fastapi_market's settings on a MongoDB database of a test's (or a module's) own, on the session's server."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pymongo import MongoClient

from apps.common.databases import MongoTarget
from apps.fastapi_market.settings import Settings, load_settings
from scripts.bootstrap_db import mongo_collections_ensure


@contextmanager
def own_market_database(flask_regime_url: str) -> Iterator[Settings]:
    """Test-profile settings with a database name of their own (dropped afterwards), calling the
    flask_regime at ``flask_regime_url``. The database is made as scripts/bootstrap_db.py makes one
    (the store's collections exist before the first write), whichever test runs first."""
    settings = load_settings("test")
    target = MongoTarget(settings.mongo.url, f"aetherion_it_{uuid.uuid4().hex[:8]}")
    common = dataclasses.replace(settings.common, flask_regime_url=flask_regime_url)
    try:
        mongo_collections_ensure(target, 5000)
        yield dataclasses.replace(settings, mongo=target, common=common)
    finally:
        with MongoClient[dict[str, Any]](target.url) as client:
            client.drop_database(target.database)
