"""The Control Tower's models on the real MySQL: constraints and ordering."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.django_core.tower.models import Instrument, RegimeSnapshot
from tests.django_core.regimes import AS_OF

pytestmark = pytest.mark.django_db


def snapshot(instrument: Instrument, **fields) -> RegimeSnapshot:
    values = {"as_of": AS_OF, "trend": "bull", "volatility": "low"} | fields
    return RegimeSnapshot.objects.create(instrument=instrument, **values)


def test_a_symbol_is_unique():
    Instrument.objects.create(symbol="AAPL", name="Apple", asset_class="equity")
    with pytest.raises(IntegrityError), transaction.atomic():
        Instrument.objects.create(symbol="AAPL", name="Apple again", asset_class="equity")


@pytest.mark.parametrize("symbol", ["aapl", "AAPL!", ".AAPL", "-X", "A" * 21, ""])
def test_a_symbol_is_uppercase_letters_digits_dots_and_dashes(symbol):
    with pytest.raises(ValidationError) as caught:
        Instrument(symbol=symbol, name="x", asset_class="equity").full_clean()
    assert "symbol" in caught.value.message_dict


@pytest.mark.parametrize("symbol", ["BRK.B", "BTC-USD", "7203", "A" * 20])
def test_valid_symbols(symbol):
    Instrument(symbol=symbol, name="x", asset_class="other").full_clean()


def test_an_instrument_is_active_by_default_and_timestamped():
    instrument = Instrument.objects.create(symbol="SPY", name="SPDR S&P 500", asset_class="etf")
    assert instrument.active is True
    assert instrument.created is not None and instrument.updated >= instrument.created


def test_one_snapshot_per_instrument_timeframe_moment_and_source():
    apple = Instrument.objects.create(symbol="AAPL", name="Apple", asset_class="equity")
    snapshot(apple)
    with pytest.raises(IntegrityError), transaction.atomic():
        snapshot(apple, trend="bear")
    # Another source, timeframe or moment is another snapshot.
    snapshot(apple, source="backfill")
    snapshot(apple, timeframe="1h")
    snapshot(apple, as_of=AS_OF + timedelta(days=1))
    assert apple.snapshots.count() == 4
    assert apple.snapshots.filter(source="fastapi_market", timeframe="1d").count() == 2


def test_snapshots_come_newest_first():
    apple = Instrument.objects.create(symbol="AAPL", name="Apple", asset_class="equity")
    for days in (1, 3, 2):
        snapshot(apple, as_of=AS_OF + timedelta(days=days))
    assert [s.as_of for s in RegimeSnapshot.objects.all()] == [AS_OF + timedelta(days=d) for d in (3, 2, 1)]


def test_deleting_an_instrument_deletes_its_snapshots():
    apple = Instrument.objects.create(symbol="AAPL", name="Apple", asset_class="equity")
    snapshot(apple)
    apple.delete()
    assert not RegimeSnapshot.objects.exists()
