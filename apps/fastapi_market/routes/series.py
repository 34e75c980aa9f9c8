"""``GET /series``: how many bars each series holds and its first and last bar, from the store's catalog."""

from __future__ import annotations

from fastapi import APIRouter

from apps.common.contracts import SeriesList, SeriesSummary
from apps.common.contracts.market import Timeframe
from apps.fastapi_market.dependencies import StoreDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.routes.bars import SymbolPath

router = APIRouter(tags=["series"])


@router.get(
    "/series",
    summary="Every stored series: its number of bars and the times of its first and last bar",
    response_model=SeriesList,
    responses=problems(503),
)
async def read_series(store: StoreDep) -> SeriesList:
    """One summary per symbol and timeframe, from the newest version of the store: one document read."""
    return SeriesList(series=await store.summaries())


@router.get(
    "/series/{symbol}",
    summary="One series: its number of bars and the times of its first and last bar",
    response_model=SeriesSummary,
    responses=problems(404, 503),
)
async def read_one_series(symbol: SymbolPath, store: StoreDep, timeframe: Timeframe = "1d") -> SeriesSummary:
    """The summary of one symbol's bars of one timeframe."""
    found = await store.summaries(symbol=symbol, timeframe=timeframe)
    if not found:
        raise ProblemError(404, f"No {timeframe} bars for {symbol}.")
    return found[0]
