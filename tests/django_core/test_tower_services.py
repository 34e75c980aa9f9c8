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
from tests.django_core.regimes import AS_OF, market_regime, markov_regime

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
    assert (stored.method, stored.probabilities) == ("rules", {})


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
        (markov_regime("MSFT"), "the regime is for MSFT, not AAPL"),
        (markov_regime(probabilities=[float("nan"), 0.5]), "not finite numbers: P(low)"),
    ],
)
def test_a_regime_that_does_not_fit_is_refused_and_nothing_is_written(apple, regime, message):
    with pytest.raises(ValidationError) as caught:
        regime_snapshot_record(instrument=apple, regime=regime)
    assert message in str(caught.value)
    assert not RegimeSnapshot.objects.exists()


# --- Markov-switching regimes ------------------------------------------------------------------


def test_a_markov_regime_is_a_snapshot_with_its_probabilities_and_no_trend(apple):
    snapshot, changed = regime_snapshot_record(instrument=apple, regime=markov_regime(high=0.93))
    assert changed
    stored = RegimeSnapshot.objects.get()
    assert (stored.method, stored.trend, stored.volatility, stored.as_of) == ("markov", "", "high", AS_OF)
    assert stored.probabilities == {"low": pytest.approx(0.07), "high": 0.93}
    # A regime never left has no expected duration: none is recorded for it.
    assert stored.features == {
        "high_volatility": 0.93,
        "annual_volatility_low": 0.109,
        "annual_volatility_high": 0.287,
        "expected_duration_bars_low": 55.9,
    }
    assert str(stored) == "AAPL 1d 2026-03-02 21:00 high (markov)"


def test_a_rules_and_a_markov_snapshot_of_the_same_moment_are_two(apple):
    rules, _ = regime_snapshot_record(instrument=apple, regime=market_regime())
    markov, _ = regime_snapshot_record(instrument=apple, regime=markov_regime())
    assert rules.pk != markov.pk and RegimeSnapshot.objects.count() == 2
    assert {s.method for s in RegimeSnapshot.objects.all()} == {"rules", "markov"}
    # The same markov reading again changes nothing; a new one updates the markov snapshot only.
    assert regime_snapshot_record(instrument=apple, regime=markov_regime())[1] is False
    updated, changed = regime_snapshot_record(instrument=apple, regime=markov_regime(high=0.2))
    assert changed and updated.pk == markov.pk
    assert RegimeSnapshot.objects.get(pk=markov.pk).volatility == "low"
    assert RegimeSnapshot.objects.get(pk=rules.pk).trend == "bull"


def test_three_regimes_are_recorded_by_name(apple):
    from apps.common.contracts.market_markov import MarkovVolatilityRegime

    regimes = [
        MarkovVolatilityRegime(name=name, annual_volatility=vol, mean_return=0.0, expected_duration_bars=20.0)
        for name, vol in (("low", 0.08), ("normal", 0.15), ("high", 0.4))
    ]
    three = markov_regime(k_regimes=3, regimes=regimes, probabilities=[0.1, 0.7, 0.2], high_volatility=0.2)
    regime_snapshot_record(instrument=apple, regime=three.model_copy(update={"volatility": "normal"}))
    stored = RegimeSnapshot.objects.get()
    assert stored.probabilities == {"low": 0.1, "normal": 0.7, "high": 0.2} and stored.volatility == "normal"
    assert stored.features["annual_volatility_normal"] == 0.15
