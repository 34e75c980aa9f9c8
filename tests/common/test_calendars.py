"""apps/common/calendars.py: bars per year by timeframe and trading calendar, decided in one place."""

import pytest

from apps.common.calendars import ASSET_CLASSES, periods_per_year
from apps.django_core.tower.models import Instrument


@pytest.mark.parametrize(
    ("timeframe", "asset_class", "bars"),
    [
        ("1d", "equity", 252),  # trading days
        ("1h", "equity", 252 * 7),  # 9:30–16:00: six full hours and a half
        ("4h", "etf", 252 * 2),
        ("15m", "index", 252 * 26),
        ("5m", "other", 252 * 78),
        ("1m", "equity", 252 * 390),
        ("1w", "equity", 52),
        ("1d", "crypto", 365),  # every day, round the clock
        ("1h", "crypto", 365 * 24),
        ("1m", "crypto", 365 * 1440),
        ("1d", "fx", 260),  # weekdays, round the clock
        ("4h", "commodity", 260 * 6),
        ("1w", "crypto", 52),
    ],
)
def test_bars_per_year(timeframe, asset_class, bars):
    assert periods_per_year(timeframe, asset_class) == bars


def test_every_asset_class_of_the_control_tower_has_a_calendar():
    assert set(Instrument.AssetClass.values) == set(ASSET_CLASSES)
    with pytest.raises(ValueError, match="not an asset class: 'stamps'"):
        periods_per_year("1d", "stamps")
