"""Typed dependencies: what a route needs, taken from the app's state.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a
thread hop per dependency per request that cost /check-regime a fifth of its event-loop time.
"""

from typing import Annotated, Any

import aiohttp
from fastapi import Depends, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from apps.fastapi_market.documents import Document
from apps.fastapi_market.markov_fits import RegimeFits
from apps.fastapi_market.settings import Settings
from apps.fastapi_market.store import SeriesStore


def _state(request: Request, name: str, kind: type[Any]) -> Any:
    """What the app factory or its lifespan keeps as ``app.state.<name>``, checked to be a ``kind``."""
    value = getattr(request.app.state, name)
    assert isinstance(value, kind), f"app.state.{name} is made by apps.fastapi_market.main"
    return value


async def get_settings(request: Request) -> Settings:
    settings: Settings = _state(request, "settings", Settings)
    return settings


async def get_http(request: Request) -> aiohttp.ClientSession:
    http: aiohttp.ClientSession = _state(request, "http", aiohttp.ClientSession)
    return http


async def get_mongo(request: Request) -> AsyncMongoClient[Document]:
    mongo: AsyncMongoClient[Document] = _state(request, "mongo", AsyncMongoClient)
    return mongo


async def get_market_db(request: Request) -> AsyncDatabase[Document]:
    return (await get_mongo(request))[(await get_settings(request)).mongo.database]


async def get_store(request: Request) -> SeriesStore:
    store: SeriesStore = _state(request, "store", SeriesStore)
    return store


async def get_fits(request: Request) -> RegimeFits:
    fits: RegimeFits = _state(request, "fits", RegimeFits)
    return fits


SettingsDep = Annotated[Settings, Depends(get_settings)]
HttpDep = Annotated[aiohttp.ClientSession, Depends(get_http)]
MongoDep = Annotated[AsyncMongoClient[Document], Depends(get_mongo)]
MarketDbDep = Annotated[AsyncDatabase[Document], Depends(get_market_db)]
StoreDep = Annotated[SeriesStore, Depends(get_store)]
FitsDep = Annotated[RegimeFits, Depends(get_fits)]
