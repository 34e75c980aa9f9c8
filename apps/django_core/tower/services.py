"""Writes to the Control Tower's models: every change goes through one of these functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.common.contracts import MarketRegime
from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.common.http_sync import get_contract_sync, send_contract_sync
from apps.common.service_calls import ContractCall, ServiceCallError
from apps.django_core.tower.models import Instrument, RegimeSnapshot

INSTRUMENT_FIELDS = ("symbol", "name", "asset_class", "active")


def instrument_create(*, symbol: str, name: str, asset_class: str, active: bool = True) -> Instrument:
    """Validate and save a new instrument; a bad or taken symbol raises ValidationError."""
    instrument = Instrument(symbol=symbol, name=name, asset_class=asset_class, active=active)
    instrument.full_clean()
    instrument.save()
    return instrument


def instrument_update(*, instrument: Instrument, data: dict[str, Any]) -> Instrument:
    """Set the given fields (any of name, asset_class, active), validate and save.

    The symbol never changes: the market engine keeps the instrument's bars under it. Raises
    ValidationError, leaving the database unchanged, when the result would be invalid or the symbol
    would change.
    """
    unknown = set(data) - set(INSTRUMENT_FIELDS)
    if unknown:
        raise ValueError(f"not instrument fields: {', '.join(sorted(unknown))}")
    if data.get("symbol", instrument.symbol) != instrument.symbol:
        raise ValidationError({"symbol": "An instrument's symbol cannot change once it is created."})
    for field, value in data.items():
        setattr(instrument, field, value)
    instrument.full_clean()
    instrument.save()
    return instrument


def instrument_delete(*, instrument: Instrument) -> None:
    """Delete the instrument and every snapshot recorded for it."""
    instrument.delete()


def regime_snapshot_record(
    *,
    instrument: Instrument,
    regime: MarketRegime | MarkovMarketRegime,
    source: str = RegimeSnapshot.DEFAULT_SOURCE,
) -> tuple[RegimeSnapshot, bool]:
    """Record ``regime`` as the instrument's snapshot for (timeframe, as_of, source, method).

    A MarketRegime is a ``rules`` snapshot; a MarkovMarketRegime a ``markov`` one, with no trend, its
    filtered probabilities by regime name, and in ``features`` P(high volatility) and each regime's
    annualised volatility and expected duration. Recording the same moment by the same method again
    updates that snapshot instead of adding one. Returns the snapshot and whether anything changed
    (False when an identical snapshot was already there). A naive ``as_of`` is taken as UTC. Raises
    ValidationError, writing nothing, when the regime is for another symbol or does not fit a
    snapshot (a number not finite, a timeframe too long).
    """
    if regime.symbol.upper() != instrument.symbol:
        raise ValidationError(f"the regime is for {regime.symbol}, not {instrument.symbol}")
    values = _snapshot_values(regime)
    numbers = {**values["features"], **{f"P({name})": p for name, p in values["probabilities"].items()}}
    if not_finite := sorted(name for name, value in numbers.items() if not math.isfinite(value)):
        raise ValidationError(f"features that are not finite numbers: {', '.join(not_finite)}")
    as_of = regime.as_of if timezone.is_aware(regime.as_of) else timezone.make_aware(regime.as_of, UTC)
    key = {
        "instrument": instrument,
        "timeframe": regime.timeframe,
        "as_of": as_of,
        "source": source,
        "method": values.pop("method"),
    }
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


def _snapshot_values(regime: MarketRegime | MarkovMarketRegime) -> dict[str, Any]:
    """A snapshot's fields from a regime, by its method."""
    if isinstance(regime, MarketRegime):
        return {
            "method": RegimeSnapshot.Method.RULES,
            "trend": regime.trend,
            "volatility": regime.volatility,
            "features": dict(regime.features),
            "probabilities": {},
        }
    features = {"high_volatility": regime.high_volatility}
    for state in regime.regimes:
        features[f"annual_volatility_{state.name}"] = state.annual_volatility
        if state.expected_duration_bars is not None:  # None: a regime never left
            features[f"expected_duration_bars_{state.name}"] = state.expected_duration_bars
    return {
        "method": RegimeSnapshot.Method.MARKOV,
        "trend": "",
        "volatility": regime.volatility,
        "features": features,
        "probabilities": {state.name: p for state, p in zip(regime.regimes, regime.probabilities, strict=True)},
    }


MARKET = "fastapi_market"
# A fit of 10,000 returns takes about a second; fastapi_market waits up to 60 s for flask_regime's.
FIT_READ_TIMEOUT = 90.0


@dataclass(frozen=True)
class RegimeRefresh:
    """What refreshing one instrument's regime did: ``recorded``, ``unchanged`` or ``failed``, and why."""

    symbol: str
    outcome: Literal["recorded", "unchanged", "failed"]
    detail: str


def instrument_regime_refresh(
    *, client: httpx.Client, instrument: Instrument, timeframe: str = "1d", method: str = "rules"
) -> RegimeRefresh:
    """Ask fastapi_market for the regime of the instrument's latest bar and record it as a snapshot.

    ``rules``: ``GET /regime/{symbol}``. ``markov``: ``POST /regime/{symbol}/fit``, which fits the
    Markov-switching model to the newest bars again, stores the fit for later requests, and answers
    the latest bar's filtered probabilities from it. ``client`` carries the internal token
    (``service_clients.service_client``). A failure of fastapi_market, or a regime that does not fit
    a snapshot, is a ``failed`` outcome with the reason, never an exception, so one instrument cannot
    stop a refresh of many.
    """
    url = f"{settings.CONFIG.common.fastapi_market_url}/regime/{quote(instrument.symbol, safe='')}"
    query = {"timeframe": timeframe, "asset_class": instrument.asset_class}  # its calendar annualises volatility
    try:
        regime: MarketRegime | MarkovMarketRegime
        if method == RegimeSnapshot.Method.MARKOV:
            fit = ContractCall(
                MARKET,
                "POST",
                str(httpx.URL(f"{url}/fit", params=query)),
                MarkovMarketRegime,
                read_timeout=FIT_READ_TIMEOUT,
                passed_on={404: 404, 409: 409},  # no bars, too few: fastapi_market's own words
            )
            regime = send_contract_sync(client, fit)
        else:
            regime = get_contract_sync(client, MARKET, str(httpx.URL(url, params=query)), MarketRegime)
        snapshot, changed = regime_snapshot_record(instrument=instrument, regime=regime)
    except ServiceCallError as exc:
        return RegimeRefresh(instrument.symbol, "failed", exc.detail)
    except ValidationError as exc:
        return RegimeRefresh(instrument.symbol, "failed", _refused_reason(exc))
    return RegimeRefresh(instrument.symbol, "recorded" if changed else "unchanged", _recorded(snapshot))


def _recorded(snapshot: RegimeSnapshot) -> str:
    """What a snapshot says, on one line."""
    as_of = snapshot.as_of.isoformat()
    if snapshot.method == RegimeSnapshot.Method.MARKOV:
        high = snapshot.features["high_volatility"]
        return f"markov {snapshot.volatility} volatility, P(high) {high:.3f} as of {as_of}"
    return f"{snapshot.trend}/{snapshot.volatility} as of {as_of}"


def _refused_reason(exc: ValidationError) -> str:
    """A refused regime's problems on one line, each naming its field when it has one."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages)
    return "; ".join(exc.messages)
