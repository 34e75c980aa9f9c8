"""Writes to the Control Tower's models: every change goes through one of these functions."""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.common.contracts import MarketRegime
from apps.django_core.tower.models import Instrument, RegimeSnapshot

INSTRUMENT_FIELDS = ("symbol", "name", "asset_class", "active")


def instrument_create(*, symbol: str, name: str, asset_class: str, active: bool = True) -> Instrument:
    """Validate and save a new instrument; a bad or taken symbol raises ValidationError."""
    instrument = Instrument(symbol=symbol, name=name, asset_class=asset_class, active=active)
    instrument.full_clean()
    instrument.save()
    return instrument


def instrument_update(*, instrument: Instrument, data: dict[str, Any]) -> Instrument:
    """Set the given fields (any of symbol, name, asset_class, active), validate and save.

    Raises ValidationError, leaving the database unchanged, when the result would be invalid.
    """
    unknown = set(data) - set(INSTRUMENT_FIELDS)
    if unknown:
        raise ValueError(f"not instrument fields: {', '.join(sorted(unknown))}")
    for field, value in data.items():
        setattr(instrument, field, value)
    instrument.full_clean()
    instrument.save()
    return instrument


def instrument_delete(*, instrument: Instrument) -> None:
    """Delete the instrument and every snapshot recorded for it."""
    instrument.delete()


def regime_snapshot_record(
    *, instrument: Instrument, regime: MarketRegime, source: str = RegimeSnapshot.DEFAULT_SOURCE
) -> tuple[RegimeSnapshot, bool]:
    """Record ``regime`` as the instrument's snapshot for (timeframe, as_of, source).

    Recording the same moment again updates that snapshot instead of adding one. Returns the
    snapshot and whether anything changed (False when an identical snapshot was already there).
    A naive ``as_of`` is taken as UTC. Raises ValidationError, writing nothing, when the regime
    is for another symbol or does not fit a snapshot (a feature not finite, a timeframe too long).
    """
    if regime.symbol.upper() != instrument.symbol:
        raise ValidationError(f"the regime is for {regime.symbol}, not {instrument.symbol}")
    if not_finite := sorted(name for name, value in regime.features.items() if not math.isfinite(value)):
        raise ValidationError(f"features that are not finite numbers: {', '.join(not_finite)}")
    as_of = regime.as_of if timezone.is_aware(regime.as_of) else timezone.make_aware(regime.as_of, UTC)
    key = {"instrument": instrument, "timeframe": regime.timeframe, "as_of": as_of, "source": source}
    values = {"trend": regime.trend, "volatility": regime.volatility, "features": dict(regime.features)}
    RegimeSnapshot(**key, **values).full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        snapshot, created = RegimeSnapshot.objects.select_for_update().get_or_create(**key, defaults=values)
        if created:
            return snapshot, True
        if all(getattr(snapshot, field) == value for field, value in values.items()):
            return snapshot, False
        for field, value in values.items():
            setattr(snapshot, field, value)
        snapshot.save(update_fields=list(values))
    return snapshot, True
