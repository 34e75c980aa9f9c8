"""The sample prices `make demo` loads, through fastapi_market on the real MongoDB-compatible server:
raw bars and the actions behind the package's ``Adj Close``; adjusted reads give the vendor's adjusted
closes back, and AAPL's splits no longer read as crashes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from apps.common.contracts import BarPage, RegimeParams
from apps.flask_regime.engine import regimes_detect
from scripts.load_sample_data import read_sample_bars, sample_actions, sample_rows
from tests.stack import TOKEN

SYMBOLS = ["AAPL", "IBM", "MSFT"]  # every kind of action: AAPL's two splits, IBM's dividends, MSFT's both
SPLITS = {date(2000, 6, 21), date(2005, 2, 28)}  # AAPL's 2-for-1 splits


@pytest.fixture(scope="module")
def loaded(market_settings):
    """A client of the market engine with the sample bars and actions loaded (its session database)."""
    from fastapi.testclient import TestClient

    from apps.fastapi_market.main import create_app

    with TestClient(create_app(market_settings)) as client:
        bars, actions = read_sample_bars(SYMBOLS), sample_actions(SYMBOLS)
        for symbol in SYMBOLS:
            client.post("/actions", json={"actions": actions[symbol]}, headers=TOKEN).raise_for_status()
            for first in range(0, len(bars[symbol]), 5000):
                batch = {"bars": bars[symbol][first : first + 5000]}
                client.post("/bars", json=batch, headers=TOKEN).raise_for_status()
        yield client


def closes(client, symbol: str, adjust: str) -> tuple[list[date], np.ndarray]:
    """Every daily close of ``symbol`` as GET /bars gives them, page after page."""
    days, values, params = [], [], {"adjust": adjust, "limit": 1000}
    while True:
        page = BarPage.model_validate(client.get(f"/bars/{symbol}", params=params).json())
        days += [bar.ts.date() for bar in page.bars]
        values += [bar.close for bar in page.bars]
        if page.next_after is None:
            return days, np.array(values)
        params["after"] = page.next_after.isoformat()


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_adjusted_closes_are_the_vendors(loaded, symbol):
    days, adjusted = closes(loaded, symbol, "all")
    vendor = np.array([float(row["Adj Close"]) for row in sample_rows([symbol])[symbol]])
    assert len(adjusted) == len(vendor) == 3270
    # The vendor adjusted for dividends paid after 2013-03-01 too: the same closes up to one constant factor.
    ratio = adjusted / vendor
    assert np.max(np.abs(ratio / ratio[-1] - 1)) < 1e-6


def test_aapls_splits_are_not_among_its_largest_falls_once_adjusted(loaded):
    days, raw = closes(loaded, "AAPL", "none")
    _, adjusted = closes(loaded, "AAPL", "all")

    def largest_falls(prices: np.ndarray) -> list[tuple[date, float]]:
        change = prices[1:] / prices[:-1] - 1
        return [(days[i + 1], change[i]) for i in np.argsort(change)[:5]]

    assert {day for day, _ in largest_falls(raw)} >= SPLITS  # as stored, the splits are cliffs
    worst = largest_falls(adjusted)
    assert worst[0][0] == date(2000, 9, 29) and -0.53 < worst[0][1] < -0.51  # the real one, about −52 %
    assert not SPLITS & {day for day, _ in worst}


def test_aapls_regime_after_its_2005_split_is_read_from_adjusted_closes(loaded):
    """On 2005-03-10, raw closes give trend bear and an annualised volatility of 247 %; adjusted closes
    give bull and 45 %."""
    days, raw = closes(loaded, "AAPL", "none")
    _, adjusted = closes(loaded, "AAPL", "all")
    at = days.index(date(2005, 3, 10))
    as_read = {
        name: regimes_detect(prices[: at + 1], RegimeParams()) for name, prices in (("raw", raw), ("all", adjusted))
    }
    assert (as_read["raw"].trend[-1], round(float(as_read["raw"].annual_volatility[-1]), 2)) == ("bear", 2.47)
    assert (as_read["all"].trend[-1], round(float(as_read["all"].annual_volatility[-1]), 2)) == ("bull", 0.45)
