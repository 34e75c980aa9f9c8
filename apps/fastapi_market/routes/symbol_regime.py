"""``GET /regime/{symbol}``: the regime of a symbol's latest bar, computed by flask_regime, by rules
(the default) or by a Markov-switching model; ``POST /regime/{symbol}/fit``: that model fitted again."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from apps.common.calendars import AssetClass
from apps.common.calendars import periods_per_year as calendar_periods
from apps.common.contracts import MarketRegime, RegimeParams, RegimeRequest, RegimeResponse
from apps.common.contracts.market import SYMBOL_PATTERN, Adjust, Timeframe
from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.common.contracts.regime import MAX_CLOSES
from apps.common.http_async import send_contract
from apps.common.service_calls import ContractCall
from apps.fastapi_market.columns import CLOSE, from_ms
from apps.fastapi_market.dependencies import FitsDep, HttpDep, SettingsDep, StoreDep
from apps.fastapi_market.markov_fits import FitKey
from apps.fastapi_market.markov_regime import MarkovQuery, MarkovRegimes
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.routes.bars import PAGE_FROM, PAGE_TO
from apps.fastapi_market.settings import Settings
from apps.fastapi_market.store import SeriesStore

router = APIRouter(tags=["regime"])
MIN_CLOSES = RegimeParams().min_closes  # the method's own minimum, with its default parameters
RULES_LOOKBACK = 1000
_FEATURES = ("sma_fast", "sma_slow", "trend_spread", "annual_volatility")

SymbolPath = Annotated[str, Path(pattern=SYMBOL_PATTERN, examples=["AAPL"])]
AdjustQuery = Annotated[Adjust, Query(description="the closes' adjustment for corporate actions")]
AssetClassQuery = Annotated[
    AssetClass, Query(description="the instrument's: its trading calendar gives `periods_per_year`")
]
PeriodsQuery = Annotated[int | None, Query(ge=1, le=525_600, description="bars per year, instead of the calendar's")]
KRegimesQuery = Annotated[
    int | None,
    Query(ge=2, le=3, description="markov: 2 regimes (low, high volatility; the default) or 3 (ignored by rules)"),
]


@router.get(
    "/regime/{symbol}",
    summary="The regime of a symbol's latest bar: by rules, or by a Markov-switching model",
    response_model=MarketRegime | MarkovMarketRegime,
    responses=problems(404, 409, 422, 502, 503, 504),
)
async def read_regime(
    symbol: SymbolPath,
    store: StoreDep,
    fits: FitsDep,
    http: HttpDep,
    settings: SettingsDep,
    timeframe: Timeframe = "1d",
    method: Annotated[
        Literal["rules", "markov"],
        Query(
            description="rules: trend and volatility by moving averages and realised-volatility bands (a "
            "MarketRegime); markov: volatility regimes as probabilities (a MarkovMarketRegime)"
        ),
    ] = "rules",
    lookback: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_CLOSES,
            description=f"rules: newest bars sent to the method ({RULES_LOOKBACK} by default; fewer than "
            f"{MIN_CLOSES} bars read, stored or asked for, is a 409); markov: the newest per-bar rows answered "
            "(default all)",
        ),
    ] = None,
    adjust: AdjustQuery = "all",
    asset_class: AssetClassQuery = "equity",
    periods_per_year: PeriodsQuery = None,
    k_regimes: KRegimesQuery = None,
    bars: Annotated[
        bool | None,
        Query(description="markov: also each bar's filtered probabilities, oldest first (ignored by rules)"),
    ] = None,
    smoothed: Annotated[
        bool | None,
        Query(
            description="markov: also each bar's smoothed probabilities, hindsight (later bars); implies bars=true "
            "(ignored by rules)"
        ),
    ] = None,
) -> MarketRegime | MarkovMarketRegime:
    """Read the newest bars from the store, adjusted as asked (for splits and dividends by default), and
    answer the latest bar's regime from flask_regime: by its rules, or (``method=markov``) as the
    filtered probabilities of a Markov-switching model of the log returns, fitted when no stored fit
    serves; volatility annualised by the timeframe's bars per year in the instrument's trading
    calendar (apps/common/calendars.py), or by ``periods_per_year``."""
    per_year = periods_per_year or calendar_periods(timeframe, asset_class)
    if method == "markov":
        key = FitKey(symbol, timeframe, adjust, k_regimes or 2)
        per_bar = bool(bars or smoothed)  # smoothed probabilities come per bar: asking for them asks for the rows
        query = MarkovQuery(key, per_year, bars=per_bar, smoothed=bool(smoothed), lookback=lookback)
        return await MarkovRegimes(store, fits, http, settings.flask_regime_url).regime(query)
    # The rules take no k_regimes, bars or smoothed: every combination the schema allows is answered.
    return await _rules_regime(store, http, settings, symbol, timeframe, lookback or RULES_LOOKBACK, adjust, per_year)


@router.post(
    "/regime/{symbol}/fit",
    summary="Fit a symbol's Markov-switching volatility regimes again, and answer its regime from the new fit",
    response_model=MarkovMarketRegime,
    responses=problems(404, 409, 422, 502, 503, 504),
)
async def create_regime_fit(
    symbol: SymbolPath,
    store: StoreDep,
    fits: FitsDep,
    http: HttpDep,
    settings: SettingsDep,
    timeframe: Timeframe = "1d",
    adjust: AdjustQuery = "all",
    asset_class: AssetClassQuery = "equity",
    periods_per_year: PeriodsQuery = None,
    k_regimes: KRegimesQuery = None,
) -> MarkovMarketRegime:
    """Fit the model to the newest bars (at most 10,000 returns) whatever the stored fit, store it in
    its place, and answer the latest bar's regime as ``GET /regime/{symbol}?method=markov`` does."""
    per_year = periods_per_year or calendar_periods(timeframe, asset_class)
    query = MarkovQuery(FitKey(symbol, timeframe, adjust, k_regimes or 2), per_year)
    return await MarkovRegimes(store, fits, http, settings.flask_regime_url).regime(query, refit=True)


async def _rules_regime(
    store: SeriesStore,
    http: HttpDep,
    settings: Settings,
    symbol: str,
    timeframe: Timeframe,
    lookback: int,
    adjust: Adjust,
    per_year: int,
) -> MarketRegime:
    """The rules' regime of the newest ``lookback`` bars, from flask_regime's ``POST /regime``."""
    newest = await store.read(symbol, timeframe, PAGE_FROM, PAGE_TO, lookback, newest=True, adjust=adjust)
    closes = newest.values[:, CLOSE].tolist()
    if not closes:
        raise ProblemError(404, f"No {timeframe} bars for {symbol}.")
    params = RegimeParams(periods_per_year=per_year)
    if len(closes) < params.min_closes:
        raise ProblemError(
            409,
            f"{len(closes)} {timeframe} bars of {symbol} read (lookback {lookback}); the method needs at least "
            f"{params.min_closes}.",
        )
    # Only the latest bar's regime comes back, and its time is known here: the closes alone go.
    request = RegimeRequest(closes=closes, params=params, include_bars=False)
    url = f"{settings.flask_regime_url}/regime"
    answer = await send_contract(http, ContractCall("flask_regime", "POST", url, RegimeResponse, body=request))
    latest = answer.latest
    return MarketRegime(
        symbol=symbol,
        timeframe=timeframe,
        as_of=from_ms(int(newest.ts[-1])),  # the one time the answer has (5,000 datetimes cost 7 ms)
        trend=latest.trend,
        volatility=latest.volatility,
        bars_used=len(closes),
        features={name: getattr(latest, name) for name in _FEATURES},
        params=answer.params,
        adjust=adjust,
        periods_per_year=answer.params.periods_per_year,
    )
