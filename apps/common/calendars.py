"""How many bars of a timeframe a year holds, by the instrument's trading calendar: what annualises
a volatility (``periods_per_year``), decided here and nowhere else.

- ``exchange``: an equity exchange's session, 252 days of 6.5 hours (9:30–16:00 in New York);
  an hour bar is 7 bars a day (the last one half an hour), a 4-hour bar 2.
- ``fx``: around the clock on weekdays, 260 days of 24 hours.
- ``crypto``: around the clock every day, 365 days of 24 hours.

A daily bar is one per trading day, a weekly bar 52 a year on every calendar. The Control Tower's
asset classes each trade on one of them (``CALENDAR_OF``).
"""

from __future__ import annotations

import math
from typing import Literal, get_args

from apps.common.contracts.market import Timeframe

Calendar = Literal["exchange", "fx", "crypto"]
AssetClass = Literal["equity", "etf", "fx", "crypto", "commodity", "index", "other"]
ASSET_CLASSES: tuple[str, ...] = get_args(AssetClass)
CALENDAR_OF: dict[str, Calendar] = {
    "equity": "exchange",
    "etf": "exchange",
    "index": "exchange",
    "other": "exchange",
    "fx": "fx",
    "commodity": "fx",  # futures trade nearly around the clock on weekdays
    "crypto": "crypto",
}
DAYS_PER_YEAR: dict[Calendar, int] = {"exchange": 252, "fx": 260, "crypto": 365}
MINUTES_PER_DAY: dict[Calendar, int] = {"exchange": 390, "fx": 1440, "crypto": 1440}
MINUTES: dict[Timeframe, int] = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240, "1d": 1440, "1w": 10080}
WEEKS_PER_YEAR = 52


def periods_per_year(timeframe: Timeframe, asset_class: str = "equity") -> int:
    """Bars of ``timeframe`` in a year of ``asset_class``'s trading calendar (one of ASSET_CLASSES)."""
    if asset_class not in CALENDAR_OF:
        raise ValueError(f"not an asset class: {asset_class!r} (one of {', '.join(ASSET_CLASSES)})")
    calendar = CALENDAR_OF[asset_class]
    if timeframe == "1w":
        return WEEKS_PER_YEAR
    if timeframe == "1d":
        return DAYS_PER_YEAR[calendar]
    return DAYS_PER_YEAR[calendar] * math.ceil(MINUTES_PER_DAY[calendar] / MINUTES[timeframe])
