"""The Control Tower's service functions on the real MySQL, with real MarketRegime objects."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.django_core.tower.models import Instrument, RegimeSnapshot
from apps.django_core.tower.services import (
    instrument_create,
    instrument_delete,
    instrument_update,
    regime_snapshot_record,
)
from tests.django_core.regimes import AS_OF, market_regime

pytestmark = pytest.mark.django_db


@pytest.fixture
def apple() -> Instrument:
    return instrument_create(symbol="AAPL", name="Apple Inc.", asset_class="equity")


def test_instrument_create_validates(apple):
    assert Instrument.objects.get(symbol="AAPL").name == "Apple Inc."
    with pytest.raises(ValidationError) as caught:
        instrument_create(symbol="AAPL", name="Apple twice", asset_class="equity")
    assert "symbol" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        instrument_create(symbol="msft", name="", asset_class="stocks")
    assert set(caught.value.message_dict) == {"symbol", "name", "asset_class"}
    assert Instrument.objects.count() == 1


def test_instrument_update_sets_only_the_given_fields(apple):
    instrument_update(instrument=apple, data={"active": False})
    apple.refresh_from_db()
    assert (apple.active, apple.name) == (False, "Apple Inc.")
    with pytest.raises(ValidationError):
        instrument_update(instrument=apple, data={"asset_class": "stocks"})
    assert Instrument.objects.get(pk=apple.pk).asset_class == "equity"
    with pytest.raises(ValidationError) as caught:
        instrument_update(instrument=apple, data={"symbol": "AAPLX", "name": "Renamed"})
    assert "symbol" in caught.value.message_dict
    assert (
        Instrument.objects.get(pk=apple.pk).symbol == "AAPL"
        and Instrument.objects.get(pk=apple.pk).name == "Apple Inc."
    )


def test_instrument_delete(apple):
    regime_snapshot_record(instrument=apple, regime=market_regime())
    instrument_delete(instrument=apple)
    assert not Instrument.objects.exists() and not RegimeSnapshot.objects.exists()


def test_recording_a_regime_makes_a_snapshot(apple):
    snapshot, changed = regime_snapshot_record(instrument=apple, regime=market_regime())
    assert changed
    stored = RegimeSnapshot.objects.get()
    assert stored.pk == snapshot.pk and stored.instrument == apple
    assert (stored.timeframe, stored.as_of, stored.trend, stored.volatility) == ("1d", AS_OF, "bull", "normal")
    assert stored.features == {"trend_spread": 0.0213, "annual_volatility": 0.2471}
    assert stored.source == "fastapi_market"


def test_recording_the_same_regime_twice_changes_nothing(apple):
    first, _ = regime_snapshot_record(instrument=apple, regime=market_regime())
    again, changed = regime_snapshot_record(instrument=apple, regime=market_regime())
    assert not changed and again.pk == first.pk
    assert RegimeSnapshot.objects.count() == 1


def test_recording_a_new_reading_of_the_same_moment_updates_it(apple):
    first, _ = regime_snapshot_record(instrument=apple, regime=market_regime())
    updated, changed = regime_snapshot_record(
        instrument=apple, regime=market_regime(trend="bear", features={"trend_spread": -0.02})
    )
    assert changed and updated.pk == first.pk
    stored = RegimeSnapshot.objects.get()
    assert (stored.trend, stored.features) == ("bear", {"trend_spread": -0.02})


def test_another_moment_or_timeframe_is_another_snapshot(apple):
    regime_snapshot_record(instrument=apple, regime=market_regime())
    regime_snapshot_record(instrument=apple, regime=market_regime(as_of=AS_OF + timedelta(days=1)))
    regime_snapshot_record(instrument=apple, regime=market_regime(timeframe="1h"))
    assert RegimeSnapshot.objects.count() == 3


def test_a_naive_as_of_is_utc(apple):
    snapshot, _ = regime_snapshot_record(instrument=apple, regime=market_regime(as_of=AS_OF.replace(tzinfo=None)))
    assert RegimeSnapshot.objects.get(pk=snapshot.pk).as_of == AS_OF


@pytest.mark.parametrize(
    "regime, message",
    [
        (market_regime("MSFT"), "the regime is for MSFT, not AAPL"),
        (market_regime(features={"annual_volatility": float("nan")}), "not finite numbers: annual_volatility"),
        (market_regime(timeframe="x" * 17), "at most 16 characters"),
    ],
)
def test_a_regime_that_does_not_fit_is_refused_and_nothing_is_written(apple, regime, message):
    with pytest.raises(ValidationError) as caught:
        regime_snapshot_record(instrument=apple, regime=regime)
    assert message in str(caught.value)
    assert not RegimeSnapshot.objects.exists()
