"""``GET /regime/{symbol}``: the regime of a symbol's latest bar, computed by flask_regime."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from apps.common.calendars import AssetClass
from apps.common.calendars import periods_per_year as calendar_periods
from apps.common.contracts import MarketRegime, RegimeParams, RegimeRequest, RegimeResponse
from apps.common.contracts.market import SYMBOL_PATTERN, Adjust, Timeframe
from apps.common.contracts.regime import MAX_CLOSES
from apps.common.http_async import send_contract
from apps.common.service_calls import ContractCall
from apps.fastapi_market.columns import CLOSE, from_ms
from apps.fastapi_market.dependencies import HttpDep, SettingsDep, StoreDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.routes.bars import PAGE_FROM, PAGE_TO

router = APIRouter(tags=["regime"])
MIN_CLOSES = RegimeParams().min_closes  # the method's own minimum, with its default parameters
_FEATURES = ("sma_fast", "sma_slow", "trend_spread", "annual_volatility")


@router.get(
    "/regime/{symbol}",
    summary="The trend and volatility regime of a symbol's latest bar",
    response_model=MarketRegime,
    responses=problems(404, 409, 422, 502, 503, 504),
)
async def read_regime(
    symbol: Annotated[str, Path(pattern=SYMBOL_PATTERN, examples=["AAPL"])],
    store: StoreDep,
    http: HttpDep,
    settings: SettingsDep,
    timeframe: Timeframe = "1d",
    lookback: Annotated[
        int,
        Query(
            ge=MIN_CLOSES,
            le=MAX_CLOSES,
            description=f"newest bars sent to the method; fewer than {MIN_CLOSES} stored is a 409",
        ),
    ] = 1000,
    adjust: Annotated[Adjust, Query(description="the closes' adjustment for corporate actions")] = "all",
    asset_class: Annotated[
        AssetClass, Query(description="the instrument's: its trading calendar gives `periods_per_year`")
    ] = "equity",
    periods_per_year: Annotated[
        int | None, Query(ge=1, le=525_600, description="bars per year, instead of the calendar's")
    ] = None,
) -> MarketRegime:
    """Read the newest bars from the store, adjusted as asked (for splits and dividends by default),
    and ask flask_regime for their regimes; volatility annualised by the timeframe's bars per year in
    the instrument's trading calendar (apps/common/calendars.py), or by ``periods_per_year``."""
    newest = await store.read(symbol, timeframe, PAGE_FROM, PAGE_TO, lookback, newest=True, adjust=adjust)
    timestamps, closes = [from_ms(ms) for ms in newest.ts.tolist()], newest.values[:, CLOSE].tolist()
    if not closes:
        raise ProblemError(404, f"No {timeframe} bars for {symbol}.")
    params = RegimeParams(periods_per_year=periods_per_year or calendar_periods(timeframe, asset_class))
    if len(closes) < params.min_closes:
        raise ProblemError(
            409, f"{symbol} has {len(closes)} {timeframe} bars; the method needs at least {params.min_closes}."
        )
    # Only the latest bar's regime comes back, and its time is known here: the closes alone go.
    request = RegimeRequest(closes=closes, params=params, include_bars=False)
    url = f"{settings.flask_regime_url}/regime"
    answer = await send_contract(http, ContractCall("flask_regime", "POST", url, RegimeResponse, body=request))
    latest = answer.latest
    return MarketRegime(
        symbol=symbol,
        timeframe=timeframe,
        as_of=timestamps[-1],
        trend=latest.trend,
        volatility=latest.volatility,
        bars_used=len(closes),
        features={name: getattr(latest, name) for name in _FEATURES},
        params=answer.params,
        adjust=adjust,
        periods_per_year=answer.params.periods_per_year,
    )
