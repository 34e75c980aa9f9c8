"""The instrument page's P(high volatility) band in a real browser (Debian's chromium under
Playwright), against the separate test stack: the S&P 500's daily closes 1999–2018 stored through
fastapi_market's API, the band drawn from the Markov-switching model's filtered probabilities
(the fit made by the real flask_regime when the page first asks). The volatile regime covers the
2002, 2008–09 and 2011 sell-offs in the pixels drawn; the smoothed probabilities appear only when
asked, as hindsight. Screenshot: `.var/screenshots/sp500-markov.png` (docs/images/sp500-markov.png).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scripts.benchmarks.markov import sp500_closes
from scripts.stack_processes import run_module
from tests import http_client
from tests.fastapi_market.markov_series import bar_rows, calm_then_wild
from tests.flask_regime.test_markov_sp500 import CALM_YEARS, SELL_OFFS
from tests.ingest import post_bars
from tests.stack import TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

SYMBOL = "SPX"
# The band's fill (instrument.js BAND_FILL) and the hindsight line (HINDSIGHT), as the canvas keeps them.
BAND_FILL = (124, 58, 237)
HINDSIGHT = (51, 65, 85)


def instrument_stored(stack, symbol: str, name: str, rows: list[dict], asset_class: str = "index") -> None:
    """``rows`` in fastapi_market and an instrument for them in the Control Tower, through their APIs."""
    stored = post_bars(stack.url("fastapi_market"), rows)
    assert stored.status_code == 200, stored.text[:300]
    created = http_client.post(
        f"{stack.url('django_core')}/api/instruments/",
        headers=TOKEN,
        json={"symbol": symbol, "name": name, "asset_class": asset_class},
        timeout=30,
    )
    assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def stack(separate_stack):
    """The separate stack with the S&P 500 stored, its regimes recorded by both methods as an operator
    records them (the real command)."""
    separate_stack.ensure_up()  # a fault test may have left a process down
    days, closes = sp500_closes()
    instrument_stored(separate_stack, SYMBOL, "S&P 500", bar_rows(SYMBOL, closes, days=days))
    for method in ("rules", "markov"):
        refreshed = run_module(
            "apps.django_core", separate_stack.env, 180, "refresh_regimes", "--symbol", SYMBOL, "--method", method
        )
        assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    return separate_stack


def band_columns(page, from_top: float) -> list[bool]:
    """For each pixel column of the band, whether the band's fill reaches ``from_top`` of its height
    from the top (0.25: P(high volatility) above 0.75)."""
    row = page.evaluate(
        """(fromTop) => {
            const band = document.getElementById("markov-band");
            const y = Math.round(band.height * fromTop);
            return Array.from(band.getContext("2d").getImageData(0, y, band.width, 1).data);
        }""",
        from_top,
    )
    # Days narrower than a pixel cover it in part each, so a column's alpha is short of 255 by what they leave.
    return [filled(row[i : i + 4]) for i in range(0, len(row), 4)]


def filled(pixel: list[int]) -> bool:
    """A pixel of the band's fill, mostly covered (the canvas keeps it premultiplied: a few units off)."""
    *rgb, alpha = pixel
    return alpha >= 160 and all(abs(a - b) <= 10 for a, b in zip(rgb, BAND_FILL, strict=True))


def share_painted(columns: list[bool], first: date, last: date, start: date, end: date) -> float:
    """The share of the columns between ``first`` and ``last`` that are painted, the band spanning
    ``start`` to ``end`` (the chart's whole range: its x scale is linear in time)."""

    def column(day: date) -> int:
        seconds = datetime.combine(day, datetime.min.time(), UTC) - datetime.combine(start, datetime.min.time(), UTC)
        whole = (end - start).days * 86400
        return round(seconds.total_seconds() / whole * (len(columns) - 1))

    span = columns[column(first) : column(last) + 1]
    return sum(span) / len(span)


def test_the_band_is_drawn_under_the_chart_high_over_the_sell_offs_and_low_in_calm_years(stack, visit):
    page = visit.page
    django = stack.url("django_core")
    page.goto(f"{django}/instruments/{SYMBOL}/")
    page.wait_for_selector('#chart[data-state="drawn"]', timeout=60_000)
    page.wait_for_selector('#markov-band[data-state="drawn"]', timeout=120_000)  # the first request fits
    band = page.eval_on_selector("#markov-band", "element => ({...element.dataset})")
    assert int(band["rows"]) == 5030  # a return per bar but the first
    assert int(band["painted"]) == 5029  # every one in view, but the latest: the x scale ends where it begins
    data = http_client.get(f"{django}{page.get_attribute('#markov-band', 'data-url')}", timeout=60).json()  # as drawn
    assert int(band["high"]) == sum(p > 0.5 for p in data["high"][:-1])  # of those drawn
    assert data["regimes"][1]["name"] == "high" and 0.22 < data["regimes"][1]["annual_volatility"] < 0.35

    # The pixels: where the fill reaches three quarters up, P(high volatility) is above 0.75.
    days, _ = sp500_closes()
    start, end = days[0], days[-1]
    columns = band_columns(page, 0.25)
    for name, (first, last) in SELL_OFFS.items():
        assert share_painted(columns, first, last, start, end) >= 0.9, name
    for year in CALM_YEARS:
        assert share_painted(columns, date(year, 1, 1), date(year, 12, 31), start, end) <= 0.1, year
    # The snapshot refresh_regimes --method markov recorded: the latest bar's filtered P(high volatility).
    recorded = page.inner_text('.snapshots tr[data-method="markov"] td:nth-child(8)')
    assert float(recorded) == pytest.approx(data["high_volatility"], abs=5e-4)
    note = page.inner_text("#markov-note")
    assert note.startswith("P(high volatility) of each day, from the days up to it (filtered)"), note
    assert page.is_disabled("#markov-hindsight") is False and page.is_checked("#markov-hindsight") is False
    visit.screenshot("sp500-markov.png")

    # Hindsight only when asked, labelled as such: the smoothed line appears over the band.
    assert "hindsight: uses later days" in page.inner_text("label:has(#markov-hindsight)")
    assert not any(hindsight_pixels(page))
    page.check("#markov-hindsight")
    assert any(hindsight_pixels(page))
    visit.only_here()


def hindsight_pixels(page) -> list[bool]:
    data = page.evaluate(
        """() => {
            const band = document.getElementById("markov-band");
            return Array.from(band.getContext("2d").getImageData(0, 0, band.width, band.height).data);
        }"""
    )
    return [
        all(abs(a - b) <= 12 for a, b in zip(data[i : i + 3], HINDSIGHT, strict=True)) for i in range(0, len(data), 4)
    ]


def test_a_series_too_short_for_the_model_has_no_band_and_says_why(stack, visit):
    instrument_stored(stack, "SHORTMKV", "Too short for a band", bar_rows("SHORTMKV", calm_then_wild(100)), "equity")
    page = visit.page
    page.goto(f"{stack.url('django_core')}/instruments/SHORTMKV/")
    page.wait_for_selector('#markov-band[data-state="none"]', timeout=60_000)
    assert page.get_attribute("#chart", "data-state") == "drawn"
    assert page.inner_text("#markov-note") == (
        "No P(high volatility): SHORTMKV has 100 1d bars; the Markov-switching method needs at least 251."
    )
    assert page.is_disabled("#markov-hindsight")
    visit.only_here()
