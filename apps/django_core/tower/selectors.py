"""Reads of the Control Tower's models, filtered as the API and the commands ask."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.db.models import OuterRef, Q, QuerySet, Subquery

from apps.django_core.tower.models import Instrument, RegimeSnapshot


class InstrumentFilters(TypedDict, total=False):
    active: bool
    asset_class: str
    search: str


class SnapshotFilters(TypedDict, total=False):
    symbol: str
    timeframe: str
    method: str
    trend: str
    volatility: str
    as_of_after: datetime
    as_of_before: datetime
    ordering: str


def instrument_list(*, filters: InstrumentFilters | None = None) -> QuerySet[Instrument]:
    """Instruments by symbol; ``search`` matches a part of the symbol or the name, any case."""
    filters = filters or {}
    queryset = Instrument.objects.all()
    if "active" in filters:
        queryset = queryset.filter(active=filters["active"])
    if "asset_class" in filters:
        queryset = queryset.filter(asset_class=filters["asset_class"])
    if search := filters.get("search"):
        queryset = queryset.filter(Q(symbol__icontains=search) | Q(name__icontains=search))
    return queryset.order_by("symbol")


def instruments_to_refresh(*, symbols: list[str] | None = None) -> tuple[list[Instrument], list[str]]:
    """The instruments to refresh, by symbol, and the asked-for symbols that are unknown.

    Without ``symbols``: every active instrument. With them: exactly those, active or not.
    """
    if not symbols:
        return list(instrument_list(filters={"active": True})), []
    found = list(Instrument.objects.filter(symbol__in=symbols).order_by("symbol"))
    known = {instrument.symbol for instrument in found}
    return found, [symbol for symbol in dict.fromkeys(symbols) if symbol not in known]


def snapshot_list(*, filters: SnapshotFilters | None = None) -> QuerySet[RegimeSnapshot]:
    """Snapshots with their instrument, newest ``as_of`` first unless ``ordering`` is ``as_of``.

    ``as_of_after`` and ``as_of_before`` are inclusive bounds.
    """
    filters = filters or {}
    queryset = RegimeSnapshot.objects.select_related("instrument")
    if "symbol" in filters:
        queryset = queryset.filter(instrument__symbol=filters["symbol"])
    for field in ("timeframe", "method", "trend", "volatility"):
        if field in filters:
            queryset = queryset.filter(**{field: filters[field]})
    if "as_of_after" in filters:
        queryset = queryset.filter(as_of__gte=filters["as_of_after"])
    if "as_of_before" in filters:
        queryset = queryset.filter(as_of__lte=filters["as_of_before"])
    ordering = filters.get("ordering", "-as_of")
    # The id breaks ties (every instrument shares a bar's as_of), so pages never overlap.
    return queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")


def instruments_with_latest_snapshot(
    *,
    method: str = RegimeSnapshot.Method.RULES,
) -> list[tuple[Instrument, RegimeSnapshot | None]]:
    """Every instrument by symbol, with its newest snapshot by ``method`` (any timeframe) or None: two
    queries in all."""
    of_method = RegimeSnapshot.objects.filter(instrument=OuterRef("pk"), method=method)
    newest = of_method.order_by("-as_of", "-id").values("id")[:1]
    instruments = list(Instrument.objects.annotate(latest_snapshot_id=Subquery(newest)).order_by("symbol"))
    snapshots = RegimeSnapshot.objects.in_bulk([i.latest_snapshot_id for i in instruments if i.latest_snapshot_id])
    return [(instrument, snapshots.get(instrument.latest_snapshot_id)) for instrument in instruments]
