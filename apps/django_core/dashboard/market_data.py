"""What the dashboard shows from the other services, read over their own HTTP APIs and contracts
(fastapi_market's ``/series``, ``/bars`` and ``/regime/{symbol}?method=markov``, flask_regime's
``POST /regime``), never their databases."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import httpx
from django.conf import settings

from apps.common.calendars import periods_per_year
from apps.common.contracts import Bar, BarPage, RegimeParams, RegimeRequest, RegimeResponse, SeriesList
from apps.common.contracts.market import MAX_PAGE, Timeframe
from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.common.contracts.series import SeriesSummary
from apps.common.http_sync import get_contract_sync, send_contract_sync
from apps.common.service_calls import ContractCall, ServiceCallError

if TYPE_CHECKING:
    from apps.django_core.tower.models import Instrument

MARKET = "fastapi_market"
REGIME = "flask_regime"
# The most bars one chart reads (20 pages, the newest): about 80 years of daily bars.
CHART_MAX_BARS = 20_000
# The chart draws prices adjusted for splits and dividends, as its regimes are computed.
CHART_ADJUST = "all"
# fastapi_market fits when no stored fit serves the series (about a second for 10,000 returns; its own
# wait for flask_regime is 60 s): the band's read waits longer than the chart's.
MARKOV_READ_TIMEOUT = 90.0


def series_by_symbol(client: httpx.Client) -> dict[str, list[SeriesSummary]]:
    """Every stored series' summary (``GET /series``), grouped by symbol; raises ServiceCallError."""
    answer = get_contract_sync(client, MARKET, f"{settings.CONFIG.common.fastapi_market_url}/series", SeriesList)
    grouped: dict[str, list[SeriesSummary]] = defaultdict(list)
    for summary in answer.series:
        grouped[summary.symbol].append(summary)
    return dict(grouped)


def bars_read(client: httpx.Client, symbol: str, timeframe: str, max_bars: int | None = None) -> tuple[list[Bar], bool]:
    """The series' newest ``max_bars`` bars (CHART_MAX_BARS by default), oldest first, adjusted for
    splits and dividends: pages of ``GET /bars/{symbol}?latest=true`` from the newest back; and whether
    older bars were left out."""
    url = f"{settings.CONFIG.common.fastapi_market_url}/bars/{quote(symbol, safe='')}"
    max_bars = max_bars or CHART_MAX_BARS
    pages: list[list[Bar]] = []
    params: dict[str, Any] = {"timeframe": timeframe, "limit": MAX_PAGE, "latest": "true", "adjust": CHART_ADJUST}
    while True:
        page = get_contract_sync(client, MARKET, str(httpx.URL(url, params=params)), BarPage)
        pages.append(page.bars[-(max_bars - sum(map(len, pages))) :])
        if page.next_before is None:
            return [bar for page_bars in reversed(pages) for bar in page_bars], False
        if sum(map(len, pages)) >= max_bars:
            return [bar for page_bars in reversed(pages) for bar in page_bars], True
        params["before"] = page.next_before.isoformat()


def series_bars(client: httpx.Client, symbol: str, timeframe: str) -> int:
    """How many bars the series holds (``GET /series/{symbol}``, of a series that has some)."""
    url = f"{settings.CONFIG.common.fastapi_market_url}/series/{quote(symbol, safe='')}"
    return get_contract_sync(client, MARKET, str(httpx.URL(url, params={"timeframe": timeframe})), SeriesSummary).bars


def regimes_read(client: httpx.Client, bars: list[Bar], params: RegimeParams) -> RegimeResponse:
    """Every bar's regimes from flask_regime (``POST /regime`` with ``include_bars``); raises ServiceCallError."""
    request = RegimeRequest(
        closes=[bar.close for bar in bars], timestamps=[bar.ts for bar in bars], params=params, include_bars=True
    )
    url = f"{settings.CONFIG.common.flask_regime_url}/regime"
    return send_contract_sync(client, ContractCall(REGIME, "POST", url, RegimeResponse, body=request))


def regime_runs(labels: list[str | None]) -> list[dict[str, Any]]:
    """Consecutive bars with the same regime as ``{"regime", "start", "end"}`` (bar indexes, inclusive);
    bars with no regime yet (a window not full) belong to no run."""
    runs: list[dict[str, Any]] = []
    for index, label in enumerate(labels):
        if runs and runs[-1]["regime"] == label and runs[-1]["end"] == index - 1:
            runs[-1]["end"] = index
        elif label is not None:
            runs.append({"regime": label, "start": index, "end": index})
    return runs


def chart_data(client: httpx.Client, instrument: Instrument, timeframe: str) -> dict[str, Any]:
    """What the instrument page draws: its newest bars' times (epoch seconds) and closes, adjusted for
    splits and dividends, how many older bars it leaves out, and the trend and volatility regimes of
    the bars shown as runs of bars (volatility annualised for the timeframe in the instrument's
    trading calendar). Raises ServiceCallError when a service fails."""
    symbol = instrument.symbol
    bars, truncated = bars_read(client, symbol, timeframe)
    params = RegimeParams(periods_per_year=periods_per_year(cast(Timeframe, timeframe), instrument.asset_class))
    data: dict[str, Any] = {
        "symbol": symbol,
        "timeframe": timeframe,
        "adjust": CHART_ADJUST,
        "bars": len(bars),
        "left_out": series_bars(client, symbol, timeframe) - len(bars) if truncated else 0,
        "truncated": truncated,
        "time": [int(bar.ts.timestamp()) for bar in bars],
        "close": [bar.close for bar in bars],
        "trend": [],
        "volatility": [],
        "regimes_note": None,
    }
    if len(bars) < params.min_closes:
        data["regimes_note"] = (
            f"{len(bars)} bars: too few for regimes (the method needs {params.min_closes})" if bars else None
        )
        return data
    regimes = regimes_read(client, bars, params)
    data["trend"] = regime_runs([bar.trend for bar in regimes.bars or []])
    data["volatility"] = regime_runs([bar.volatility for bar in regimes.bars or []])
    data["params"] = regimes.params.model_dump()
    return data


def markov_band(client: httpx.Client, instrument: Instrument, timeframe: str) -> dict[str, Any]:
    """What the instrument page draws under its chart: P(high volatility) of each bar (epoch seconds)
    from fastapi_market's Markov-switching model of the adjusted log returns, filtered (each bar's from
    the bars up to it, so no later bar changes it), the same smoothed as hindsight (every bar up to the
    latest), the regimes' annualised volatilities, and the fit it came from. A series the model cannot
    serve (no bars, too few) is a ``note`` with no rows. Raises ServiceCallError when a service fails."""
    url = f"{settings.CONFIG.common.fastapi_market_url}/regime/{quote(instrument.symbol, safe='')}"
    query = {
        "method": "markov",
        "timeframe": timeframe,
        "asset_class": instrument.asset_class,
        "adjust": CHART_ADJUST,
        "bars": "true",
        "smoothed": "true",
        "lookback": CHART_MAX_BARS,
    }
    call = ContractCall(
        MARKET,
        "GET",
        str(httpx.URL(url, params=query)),
        MarkovMarketRegime,
        read_timeout=MARKOV_READ_TIMEOUT,
        passed_on={404: 404, 409: 409},
    )
    empty: dict[str, Any] = {
        "symbol": instrument.symbol,
        "timeframe": timeframe,
        "time": [],
        "high": [],
        "hindsight": [],
    }
    try:
        answer = send_contract_sync(client, call)
    except ServiceCallError as exc:
        if exc.status in (404, 409):  # no bars, too few, no volatility: said under the chart, no band
            return empty | {"note": exc.detail.removeprefix(f"{MARKET}: ")}
        raise
    rows = answer.bars or []
    return empty | {
        "as_of": answer.as_of.isoformat(),
        "volatility": answer.volatility,
        "high_volatility": answer.high_volatility,
        "regimes": [regime.model_dump() for regime in answer.regimes],
        "fit": {
            "first_ts": answer.fit.first_ts.isoformat(),
            "last_ts": answer.fit.last_ts.isoformat(),
            "returns": answer.fit.returns,
            "fitted_at": answer.fit.fitted_at.isoformat(),
        },
        "time": [int(row.ts.timestamp()) for row in rows],
        "high": [row.filtered[-1] for row in rows],  # the last regime is the most volatile
        "hindsight": [row.smoothed_hindsight[-1] if row.smoothed_hindsight else None for row in rows],
        "note": None,
    }
