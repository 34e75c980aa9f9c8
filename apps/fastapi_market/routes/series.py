"""``GET /series``: how many bars each series holds and its first and last bar, from the ingest ledger."""

from __future__ import annotations

from fastapi import APIRouter

from apps.common.contracts import SeriesList, SeriesSummary
from apps.common.contracts.market import Timeframe
from apps.fastapi_market.dependencies import MarketDbDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.routes.bars import SymbolPath
from apps.fastapi_market.series import LEDGER, series_read

router = APIRouter(tags=["series"])


@router.get(
    "/series",
    summary="Every stored series: its number of bars and the times of its first and last bar",
    response_model=SeriesList,
    responses=problems(503),
)
async def read_series(db: MarketDbDep) -> SeriesList:
    """One summary per symbol and timeframe, kept at ingest: fast on any server, whatever the number of bars."""
    return SeriesList(series=await series_read(db[LEDGER]))


@router.get(
    "/series/{symbol}",
    summary="One series: its number of bars and the times of its first and last bar",
    response_model=SeriesSummary,
    responses=problems(404, 503),
)
async def read_one_series(symbol: SymbolPath, db: MarketDbDep, timeframe: Timeframe = "1d") -> SeriesSummary:
    """The summary of one symbol's bars of one timeframe."""
    found = await series_read(db[LEDGER], symbol=symbol, timeframe=timeframe)
    if not found:
        raise ProblemError(404, f"No {timeframe} bars for {symbol}.")
    return found[0]
