"""Typed dependencies: what a route needs, taken from the app's state.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a
thread hop per dependency per request that cost /check-regime a fifth of its event-loop time.
"""

from typing import Annotated

import aiohttp
from fastapi import Depends, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from apps.fastapi_market.bars import BarSetup
from apps.fastapi_market.settings import Settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_http(request: Request) -> aiohttp.ClientSession:
    return request.app.state.http


async def get_mongo(request: Request) -> AsyncMongoClient:
    return request.app.state.mongo


async def get_market_db(request: Request) -> AsyncDatabase:
    return request.app.state.mongo[request.app.state.settings.mongo.database]


async def get_bar_setup(request: Request) -> BarSetup:
    setup = request.app.state.bar_setup
    assert isinstance(setup, BarSetup), "made in the lifespan"
    return setup


SettingsDep = Annotated[Settings, Depends(get_settings)]
HttpDep = Annotated[aiohttp.ClientSession, Depends(get_http)]
MongoDep = Annotated[AsyncMongoClient, Depends(get_mongo)]
MarketDbDep = Annotated[AsyncDatabase, Depends(get_market_db)]
BarSetupDep = Annotated[BarSetup, Depends(get_bar_setup)]
