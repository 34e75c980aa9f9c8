"""The dashboard's pages: thin views over the tower's selectors and services and the other services' APIs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, get_args

import httpx
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST, require_safe

from apps.common.contracts.market import Timeframe
from apps.common.contracts.series import SeriesSummary
from apps.common.service_calls import ServiceCallError
from apps.django_core.access import is_staff
from apps.django_core.dashboard.market_data import chart_data, markov_band, series_by_symbol
from apps.django_core.problems import problem_response
from apps.django_core.tower.health_cache import HEALTH_POLL_MS
from apps.django_core.tower.models import Instrument
from apps.django_core.tower.selectors import instruments_with_latest_snapshot, snapshot_list
from apps.django_core.tower.service_clients import service_client
from apps.django_core.tower.services import instrument_regime_refresh

# The overview asks fastapi_market for the bar counts while the page waits: it must not wait long.
SERIES_READ_TIMEOUT = 3.0
SNAPSHOTS_SHOWN = 100


def moment(ts: datetime | None) -> str:
    """A bar's or a snapshot's time as the pages print it: the date alone at midnight UTC."""
    if ts is None:
        return "—"
    midnight = (ts.hour, ts.minute, ts.second) == (0, 0, 0)
    return ts.strftime("%Y-%m-%d") if midnight else ts.strftime("%Y-%m-%d %H:%M UTC")


def _series_rows(series: list[SeriesSummary]) -> list[dict[str, str]]:
    return [{"timeframe": s.timeframe, "bars": f"{s.bars:,}", "last": moment(s.last_ts)} for s in series]


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The stack's health (live tiles) and every instrument with its bars and latest regime."""
    instruments = instruments_with_latest_snapshot()
    series: dict[str, list[SeriesSummary]] = {}
    market_error = None
    if instruments:
        try:
            with service_client(read_timeout=SERIES_READ_TIMEOUT) as client:
                series = series_by_symbol(client)
        except ServiceCallError as exc:
            market_error = exc.detail
    rows = [
        {
            "instrument": instrument,
            "snapshot": snapshot,
            "as_of": moment(snapshot.as_of) if snapshot else "—",
            "series": _series_rows(series.get(instrument.symbol, [])),
        }
        for instrument, snapshot in instruments
    ]
    context = {
        "rows": rows,
        "market_error": market_error,
        "poll_ms": HEALTH_POLL_MS,
        "services": list(settings.CONFIG.common.service_urls().items()),
    }
    return render(request, "dashboard/overview.html", context)


@require_safe
def instrument_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    """One instrument: its price chart with regime bands (drawn from ``instrument_chart``) and its snapshots."""
    instrument = get_object_or_404(Instrument, symbol=symbol)
    snapshots = snapshot_list(filters={"symbol": symbol})
    context: dict[str, Any] = {
        "instrument": instrument,
        "snapshots": snapshots[:SNAPSHOTS_SHOWN],
        "snapshot_count": snapshots.count(),
        "shown": SNAPSHOTS_SHOWN,
        "can_refresh": is_staff(request),
    }
    return render(request, "dashboard/instrument.html", context)


def _timeframe_problem(request: HttpRequest, timeframe: str) -> JsonResponse | None:
    """A 400 problem when ``timeframe`` is not one, else None."""
    if timeframe in get_args(Timeframe):
        return None
    return problem_response(
        request,
        400,
        f"timeframe must be one of {', '.join(get_args(Timeframe))}.",
        errors=[{"field": "timeframe", "message": f"not a timeframe: {timeframe!r}"}],
    )


def _instrument_json(
    request: HttpRequest, symbol: str, read: Callable[[httpx.Client, Instrument, str], dict[str, Any]]
) -> JsonResponse:
    """``read(client, instrument, timeframe)`` as JSON for the instrument's page; an unknown symbol is a 404,
    a bad timeframe its 400 problem, a service failure its 502/503/504 problem."""
    instrument = get_object_or_404(Instrument, symbol=symbol)
    timeframe = request.GET.get("timeframe", "1d")
    if refused := _timeframe_problem(request, timeframe):
        return refused
    try:
        with service_client() as client:
            return JsonResponse(read(client, instrument, timeframe))
    except ServiceCallError as exc:
        return problem_response(request, exc.status, exc.detail)


@require_safe
def instrument_chart(request: HttpRequest, symbol: str) -> JsonResponse:
    """The chart's data as JSON (see ``market_data.chart_data``)."""
    return _instrument_json(request, symbol, chart_data)


@require_safe
def instrument_markov(request: HttpRequest, symbol: str) -> JsonResponse:
    """The band under the chart as JSON (see ``market_data.markov_band``)."""
    return _instrument_json(request, symbol, markov_band)


@require_POST
def instrument_refresh(request: HttpRequest, symbol: str) -> HttpResponse:
    """What ``refresh_regimes --symbol <symbol>`` does, then back to the instrument's page with the outcome."""
    instrument = get_object_or_404(Instrument, symbol=symbol)
    with service_client() as client:
        refresh = instrument_regime_refresh(client=client, instrument=instrument)
    level = messages.ERROR if refresh.outcome == "failed" else messages.SUCCESS
    messages.add_message(request, level, f"{refresh.symbol}: {refresh.outcome}: {refresh.detail}")
    return redirect("dashboard:instrument", symbol=instrument.symbol)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on every page (the admin's too): the dashboard's icon."""
    return redirect(static("dashboard/favicon.svg"))
