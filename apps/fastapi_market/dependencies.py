"""Typed dependencies: what a route needs, taken from the app's state."""

from typing import Annotated

import aiohttp
from fastapi import Depends, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from apps.fastapi_market.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_http(request: Request) -> aiohttp.ClientSession:
    return request.app.state.http


def get_mongo(request: Request) -> AsyncMongoClient:
    return request.app.state.mongo


def get_market_db(request: Request) -> AsyncDatabase:
    return request.app.state.mongo[request.app.state.settings.mongo.database]


SettingsDep = Annotated[Settings, Depends(get_settings)]
HttpDep = Annotated[aiohttp.ClientSession, Depends(get_http)]
MongoDep = Annotated[AsyncMongoClient, Depends(get_mongo)]
MarketDbDep = Annotated[AsyncDatabase, Depends(get_market_db)]
