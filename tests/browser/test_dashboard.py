"""The dashboard in a real browser (Debian's chromium under Playwright) against a live test stack
with the real sample prices loaded.

The stack is the Procfile.test processes started separately on ports of their own (the
``separate_stack`` fixture, which the fault tests share), not the shared one: these tests load
AAPL's bars, which the shared stack's tests expect to be absent, and stop and start its MongoDB.
The last test does that.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time

import numpy as np
import pytest

from apps.common.contracts import RegimeParams
from apps.django_core.dashboard.market_data import regime_runs
from apps.flask_regime.engine import regimes_detect
from scripts.load_sample_data import NAMES, read_sample_bars
from scripts.stack_processes import run_module
from tests import http_client
from tests.ingest import make_bars, post_bars
from tests.stack import TOKEN, wait_until

# The first test's timeout covers its stack's setup: the sample prices loaded (up to 600 s on a busy machine).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

STAFF = ("tower-staff", secrets.token_urlsafe(16))  # a staff login of this run's throw-away stack
# uPlot's canvas holds the bands as drawn: these colours (instrument.js TREND), un-premultiplied.
BAND_COLOURS = {"bull": (22, 163, 74), "sideways": (148, 163, 184), "bear": (220, 38, 38)}


@pytest.fixture(scope="module")
def stack(separate_stack):
    """The separate stack with the sample prices loaded and their regimes recorded, and a staff user."""
    separate_stack.ensure_up()  # a fault test may have left a process down
    loaded = run_module("scripts.load_sample_data", separate_stack.env, 600)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "apps.django_core",
            "createsuperuser",
            "--noinput",
            "--username",
            STAFF[0],
            "--email",
            "staff@example.com",
        ],
        env=separate_stack.env | {"DJANGO_SUPERUSER_PASSWORD": STAFF[1]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    return separate_stack


@pytest.fixture(scope="module")
def sample() -> dict[str, list[dict]]:
    return read_sample_bars(sorted(NAMES))


def band_pixel(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    """A canvas pixel (RGBA) of a translucent band of ``colour``: a canvas keeps colours
    premultiplied by alpha, so they come back a few units off."""
    *rgb, alpha = pixel
    return 20 <= alpha <= 80 and all(abs(a - b) <= 8 for a, b in zip(rgb, colour, strict=True))


def tile(visit, service: str, status: str, timeout_ms: int = 15_000) -> None:
    visit.page.wait_for_selector(f'.tile[data-service="{service}"][data-status="{status}"]', timeout=timeout_ms)


def test_overview_shows_the_stack_ok_and_every_sample_instrument_with_its_bars_and_regime(stack, sample, visit):
    django = stack.url("django_core")
    visit.page.goto(f"{django}/")
    for service in ("django_core", "fastapi_market", "flask_regime"):
        tile(visit, service, "ok")
    page = visit.page
    assert page.get_attribute('.tile[data-service="django_core"] li[data-check="mysql"]', "data-status") == "ok"
    assert page.get_attribute('.tile[data-service="fastapi_market"] li[data-check="mongodb"]', "data-status") == "ok"
    assert page.text_content('.tile[data-service="fastapi_market"] .state') == "ok"

    snapshots = http_client.get(f"{django}/api/snapshots/", params={"page_size": 50}, timeout=10).json()["results"]
    latest = {s["symbol"]: s for s in reversed(snapshots)}
    for symbol, bars in sample.items():
        row = f'tr[data-symbol="{symbol}"]'
        assert page.inner_text(f"{row} td.bars") == f"{len(bars):,}"
        assert page.inner_text(f"{row} td.last-bar") == bars[-1]["ts"][:10] == "2013-03-01"
        assert page.inner_text(f"{row} .regime.trend-{latest[symbol]['trend']}") == latest[symbol]["trend"]
        assert page.inner_text(f"{row} .regime.vol-{latest[symbol]['volatility']}") == latest[symbol]["volatility"]
        assert page.get_attribute(f"{row} a", "href") == f"/instruments/{symbol}/"
    visit.screenshot("overview.png")
    visit.only_here()


def test_detail_chart_draws_a_point_per_bar_with_the_regime_bands(stack, sample, visit):
    page = visit.page
    page.goto(f"{stack.url('django_core')}/instruments/IBM/")
    page.wait_for_selector('#chart[data-state="drawn"]', timeout=60_000)
    chart = page.eval_on_selector("#chart", "element => ({...element.dataset})")
    closes = adjusted_closes(stack, "IBM")  # the chart's: adjusted for IBM's dividends
    series = regimes_detect(closes, RegimeParams())
    assert int(chart["points"]) == len(sample["IBM"]) == 3270
    assert int(chart["trendBands"]) == len(regime_runs(list(series.trend))) > 0
    assert int(chart["volatilityBands"]) == len(regime_runs(list(series.volatility))) > 0
    assert float(chart["drawMs"]) > 0

    # The bands are in the canvas behind the line: a pixel row just inside the plot's top edge.
    row = page.evaluate("""() => {
        const canvas = document.querySelector("#chart canvas"), over = document.querySelector("#chart .u-over");
        const ratio = window.devicePixelRatio;
        const data = canvas.getContext("2d").getImageData(Math.round(over.offsetLeft * ratio),
            Math.round((over.offsetTop + 2) * ratio), Math.round(over.clientWidth * ratio), 1).data;
        return Array.from(data);
    }""")
    pixels = [tuple(row[i : i + 4]) for i in range(0, len(row), 4)]
    painted = {regime: sum(band_pixel(pixel, colour) for pixel in pixels) for regime, colour in BAND_COLOURS.items()}
    assert all(count > 0 for count in painted.values()), painted
    # Every bar from the slow window on has a trend: bands cover the row but for the warm-up (1.5 %)
    # and where the grid's lines cross it.
    assert sum(painted.values()) > 0.8 * len(pixels), painted
    assert page.inner_text(".snapshots tbody tr td:nth-child(1)").startswith("2013-03-01")
    visit.screenshot("instrument.png")

    page.click('.ranges button[data-days="365"]')  # one year: fewer bands in view
    wait_until(
        lambda: int(page.get_attribute("#chart", "data-trend-bands")) < int(chart["trendBands"]),
        10,
        "the 1Y range drawing fewer bands",
    )
    assert page.get_attribute('.ranges button[data-days="365"]', "aria-pressed") == "true"
    visit.only_here()


def adjusted_closes(stack, symbol: str) -> np.ndarray:
    """The symbol's closes adjusted for splits and dividends, as fastapi_market serves them."""
    url, closes, params = f"{stack.url('fastapi_market')}/bars/{symbol}", [], {"adjust": "all", "limit": 1000}
    while True:
        page = http_client.get(url, params=params, timeout=30).json()
        closes += [bar["close"] for bar in page["bars"]]
        if page["next_after"] is None:
            return np.array(closes)
        params["after"] = page["next_after"]


def test_aapls_chart_shows_no_cliff_on_its_split_dates(stack, sample, visit):
    """`make demo` loads AAPL's splits (2-for-1 on 2000-06-21 and 2005-02-28) with its raw closes: the
    chart the page draws, and its regimes, follow the adjusted closes."""
    page = visit.page
    django = stack.url("django_core")
    page.goto(f"{django}/instruments/AAPL/")
    page.wait_for_selector('#chart[data-state="drawn"]', timeout=60_000)
    data = http_client.get(f"{django}{page.get_attribute('#chart', 'data-url')}", timeout=60).json()  # what it drew
    assert int(page.get_attribute("#chart", "data-points")) == len(data["close"]) == len(sample["AAPL"])
    days = [time.strftime("%Y-%m-%d", time.gmtime(t)) for t in data["time"]]
    close = np.array(data["close"])
    change = close[1:] / close[:-1] - 1
    for split in ("2000-06-21", "2005-02-28"):
        at = days.index(split)
        raw = sample["AAPL"][at]["close"] / sample["AAPL"][at - 1]["close"] - 1
        assert raw < -0.45 and change[at - 1] > -0.1, (split, raw, change[at - 1])  # a cliff as stored, none drawn
    assert days[int(np.argmin(change)) + 1] == "2000-09-29"  # the largest fall drawn is the real one
    trend = {day: run["regime"] for run in data["trend"] for day in days[run["start"] : run["end"] + 1]}
    assert trend["2005-03-10"] == "bull"  # raw closes read bear for weeks after the split
    visit.screenshot("instrument-aapl.png")
    visit.only_here()


def test_the_admin_is_styled(stack, visit):
    answers = []
    visit.page.on("response", lambda response: answers.append((response.url, response.status)))
    visit.page.goto(f"{stack.url('django_core')}/admin/login/")
    sheets = [(url, status) for url, status in answers if url.endswith(".css")]
    assert sheets and all(status == 200 for _, status in sheets), sheets
    header = visit.page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
    assert header not in ("rgba(0, 0, 0, 0)", "transparent")
    visit.only_here()


def test_staff_refresh_a_regime_from_the_detail_page(stack, visit):
    symbol = "REFRESH1"
    assert post_bars(stack.url("fastapi_market"), make_bars(symbol, 200)).status_code == 200
    created = http_client.post(
        f"{stack.url('django_core')}/api/instruments/",
        headers=TOKEN,
        json={"symbol": symbol, "name": "Refresh test", "asset_class": "equity"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    page = visit.page
    page.goto(f"{stack.url('django_core')}/instruments/{symbol}/")
    assert page.query_selector("#refresh-regimes") is None  # a visitor sees no button
    page.click("text=log in")
    page.fill("#id_username", STAFF[0])
    page.fill("#id_password", STAFF[1])
    page.click("input[type=submit]")
    page.wait_for_url(f"**/instruments/{symbol}/")
    assert page.query_selector(".snapshots") is None  # nothing recorded yet
    page.click("#refresh-regimes")
    page.wait_for_selector(".message")
    assert page.inner_text(".message").startswith(f"{symbol}: recorded: ")
    assert len(page.query_selector_all(".snapshots tbody tr")) == 1
    visit.only_here()


def test_stopping_mongodb_turns_the_market_tile_red_with_the_reason_and_starting_it_green(stack, visit):
    page = visit.page
    page.goto(f"{stack.url('django_core')}/")
    tile(visit, "fastapi_market", "ok")
    stack.stop("mongo")
    stopped = time.monotonic()
    tile(visit, "fastapi_market", "unavailable", timeout_ms=30_000)
    red_after = time.monotonic() - stopped
    reason = page.inner_text('.tile[data-service="fastapi_market"] .reason')
    assert reason.startswith("fastapi_market reports itself unavailable: mongodb"), reason
    mongodb_check = '.tile[data-service="fastapi_market"] li[data-check="mongodb"]'
    assert page.get_attribute(mongodb_check, "data-status") == "unavailable"
    for service in ("django_core", "flask_regime"):  # the others stay green
        assert page.get_attribute(f'.tile[data-service="{service}"]', "data-status") == "ok"

    stack.start("mongo")
    stack.wait_listening("mongo")
    listening = time.monotonic()
    tile(visit, "fastapi_market", "ok", timeout_ms=60_000)
    green_after = time.monotonic() - listening
    assert page.inner_text('.tile[data-service="fastapi_market"] .reason') == ""
    visit.only_here()
    print(
        f"\nmarket tile: red {red_after:.1f} s after MongoDB stopped, green {green_after:.1f} s after it listened again"
    )
