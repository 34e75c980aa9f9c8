"""What the dashboard shows from the other services, read over their own HTTP APIs and contracts
(fastapi_market's ``/series`` and ``/bars``, flask_regime's ``POST /regime``), never their databases."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from apps.common.contracts import Bar, BarPage, RegimeParams, RegimeRequest, RegimeResponse, SeriesList
from apps.common.contracts.market import MAX_PAGE
from apps.common.contracts.series import SeriesSummary
from apps.common.http_sync import get_contract_sync, send_contract_sync
from apps.common.service_calls import ContractCall

MARKET = "fastapi_market"
REGIME = "flask_regime"
# The most bars one chart reads (20 pages): about 80 years of daily bars.
CHART_MAX_BARS = 20_000


def series_by_symbol(client: httpx.Client) -> dict[str, list[SeriesSummary]]:
    """Every stored series' summary (``GET /series``), grouped by symbol; raises ServiceCallError."""
    answer = get_contract_sync(client, MARKET, f"{settings.CONFIG.common.fastapi_market_url}/series", SeriesList)
    grouped: dict[str, list[SeriesSummary]] = defaultdict(list)
    for summary in answer.series:
        grouped[summary.symbol].append(summary)
    return dict(grouped)


def bars_read(
    client: httpx.Client, symbol: str, timeframe: str, max_bars: int = CHART_MAX_BARS
) -> tuple[list[Bar], bool]:
    """The series' bars, oldest first, page after page of ``GET /bars/{symbol}``; and whether more
    than ``max_bars`` are stored (then only the first ``max_bars`` are returned)."""
    url = f"{settings.CONFIG.common.fastapi_market_url}/bars/{quote(symbol, safe='')}"
    bars: list[Bar] = []
    params: dict[str, Any] = {"timeframe": timeframe, "limit": MAX_PAGE}
    while True:
        page = get_contract_sync(client, MARKET, str(httpx.URL(url, params=params)), BarPage)
        bars += page.bars
        if page.next_after is None:
            return bars, False
        if len(bars) >= max_bars:
            return bars[:max_bars], True
        params["after"] = page.next_after.isoformat()


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


def chart_data(client: httpx.Client, symbol: str, timeframe: str) -> dict[str, Any]:
    """What the instrument page draws: every bar's time (epoch seconds) and close, and the trend
    and volatility regimes as runs of bars. Raises ServiceCallError when a service fails."""
    bars, truncated = bars_read(client, symbol, timeframe)
    params = RegimeParams()
    data: dict[str, Any] = {
        "symbol": symbol,
        "timeframe": timeframe,
        "bars": len(bars),
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
