"""The dashboard's pages and data through Django's test client, reading fastapi_market and flask_regime
over HTTP (the real apps, served from threads; each test's bars under a symbol of its own)."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from datetime import datetime

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.common.contracts import RegimeParams
from apps.django_core.dashboard import market_data
from apps.django_core.dashboard.market_data import regime_runs
from apps.django_core.dashboard.views import HEALTH_POLL_MS
from apps.django_core.tower.health_cache import CACHE_S
from apps.django_core.tower.models import Instrument, RegimeSnapshot
from apps.django_core.tower.selectors import instruments_with_latest_snapshot
from apps.django_core.tower.services import instrument_create, regime_snapshot_record
from apps.django_core.tower.stack_health import CONNECT_TIMEOUT, READ_TIMEOUT
from apps.flask_regime.engine import regimes_detect
from tests import http_client
from tests.django_core.regimes import AS_OF, market_regime
from tests.fastapi_market.markov_series import bar_rows, calm_then_wild, new_symbol
from tests.ingest import make_bars, post_bars
from tests.problem_checks import problem
from tests.stack import TOKEN, free_port

pytestmark = pytest.mark.django_db

PASSWORD = secrets.token_urlsafe(16)  # for this run's users of the test database


def point(settings, **urls: str) -> None:
    """Make this test's Django settings reach services at other URLs (``flask_regime_url=…``)."""
    common = dataclasses.replace(settings.CONFIG.common, **urls)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, common=common)


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def stored(services_in_threads):
    """A symbol of this test's own with ``count`` daily bars posted to fastapi_market; an instrument for it."""

    def store(count: int) -> tuple[str, list[dict]]:
        symbol = f"DSH{uuid.uuid4().hex[:6].upper()}"
        bars = make_bars(symbol, count)
        if bars:
            response = post_bars(services_in_threads["fastapi_market"], bars)
            assert response.status_code == 200, response.text
        instrument_create(symbol=symbol, name=f"Dashboard test {symbol}", asset_class="equity")
        return symbol, bars

    return store


def test_with_no_instruments_the_overview_says_to_run_make_demo(client):
    page = client.get("/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert 'id="empty-state"' in text and "make demo" in text
    for service in ("django_core", "fastapi_market", "flask_regime"):  # a tile each, filled by overview.js
        assert f'data-service="{service}"' in text
    assert f'data-poll-ms="{HEALTH_POLL_MS}"' in text and 'data-url="/api/services/"' in text


def test_the_tiles_poll_every_5_to_10_s_and_a_stopped_service_turns_red_within_15_s_by_design():
    """The tiles ask again HEALTH_POLL_MS after each answer; the answer is at most CACHE_S old, and a
    fresh one takes at most the checks' timeouts."""
    assert 5000 <= HEALTH_POLL_MS <= 10_000 and CACHE_S <= HEALTH_POLL_MS / 1000
    assert HEALTH_POLL_MS / 1000 + CACHE_S + CONNECT_TIMEOUT + READ_TIMEOUT <= 15


def test_the_overview_lists_each_instrument_with_its_bars_and_latest_regime(client, stored):
    symbol, bars = stored(60)
    regime_snapshot_record(
        instrument=instrument_create(symbol=f"{symbol}X", name="No bars", asset_class="etf"),
        regime=market_regime(f"{symbol}X", trend="bear", volatility="high"),
    )
    text = client.get("/").content.decode()
    row = text[text.index(f'<tr data-symbol="{symbol}">') :]
    row = row[: row.index("</tr>")]
    assert f'href="/instruments/{symbol}/"' in row
    assert '<td class="num bars"><div>60</div></td>' in row
    assert f'<td class="last-bar"><div>{bars[-1]["ts"][:10]}</div></td>' in row
    assert "not recorded yet" in row
    other = text[text.index(f'<tr data-symbol="{symbol}X">') :]
    other = other[: other.index("</tr>")]
    assert "trend-bear" in other and "vol-high" in other and AS_OF.strftime("%Y-%m-%d %H:%M UTC") in other
    assert '<td class="num bars">0</td>' in other  # registered, no bars stored


def test_with_fastapi_market_down_the_overview_still_answers_and_says_why(client, settings, stored):
    stored(3)
    dead = dead_url()
    point(settings, fastapi_market_url=dead)
    page = client.get("/")
    assert page.status_code == 200
    assert f"Bars unavailable: fastapi_market is unreachable at {dead}/series" in page.content.decode()


def test_the_latest_snapshot_of_each_instrument_is_the_newest_as_of():
    apple = instrument_create(symbol="DSHLATEST", name="Apple Inc.", asset_class="equity")
    instrument_create(symbol="DSHNONE", name="Nothing recorded", asset_class="equity")
    regime_snapshot_record(instrument=apple, regime=market_regime("DSHLATEST", trend="bear"))
    newest = AS_OF.replace(day=3)
    regime_snapshot_record(instrument=apple, regime=market_regime("DSHLATEST", as_of=newest, trend="sideways"))
    latest = {instrument.symbol: snapshot for instrument, snapshot in instruments_with_latest_snapshot()}
    assert latest["DSHLATEST"].as_of == newest and latest["DSHLATEST"].trend == "sideways"
    assert latest["DSHNONE"] is None


def test_the_chart_data_has_every_bar_and_the_regimes_flask_computes(client, stored):
    symbol, bars = stored(150)
    data = client.get(f"/instruments/{symbol}/chart/").json()
    assert (data["symbol"], data["timeframe"], data["bars"], data["truncated"]) == (symbol, "1d", 150, False)
    assert (data["left_out"], data["adjust"], data["params"]["periods_per_year"]) == (0, "all", 252)
    assert data["close"] == [bar["close"] for bar in bars]
    assert data["time"] == sorted(data["time"]) and len(set(data["time"])) == 150
    series = regimes_detect(np.array(data["close"]), RegimeParams())
    assert data["trend"] == regime_runs(list(series.trend)) and data["trend"]
    assert data["volatility"] == regime_runs(list(series.volatility)) and data["volatility"]
    assert data["regimes_note"] is None


def test_more_bars_than_a_page_are_read_page_after_page(client, stored):
    symbol, bars = stored(1_050)  # GET /bars gives at most 1,000 a page
    data = client.get(f"/instruments/{symbol}/chart/").json()
    assert data["bars"] == 1_050 and data["close"] == [bar["close"] for bar in bars] and not data["truncated"]


def test_the_chart_shows_the_newest_bars_says_how_many_it_left_out_and_their_regimes(client, stored, monkeypatch):
    monkeypatch.setattr(market_data, "CHART_MAX_BARS", 1_500)
    symbol, bars = stored(2_600)
    data = client.get(f"/instruments/{symbol}/chart/").json()
    assert (data["bars"], data["left_out"], data["truncated"]) == (1_500, 1_100, True)
    assert data["close"] == [bar["close"] for bar in bars[-1_500:]]
    series = regimes_detect(np.array(data["close"]), RegimeParams())  # the regimes of the bars shown
    assert data["trend"] == regime_runs(list(series.trend)) and data["trend"]


def test_the_chart_is_adjusted_for_splits_and_annualised_in_its_instruments_calendar(
    client, stored, services_in_threads
):
    symbol, bars = stored(120)
    Instrument.objects.filter(symbol=symbol).update(asset_class="crypto")
    split = {"symbol": symbol, "type": "split", "ex_date": bars[100]["ts"][:10], "ratio": 4}
    market = services_in_threads["fastapi_market"]  # where the chart reads the bars: the split goes there too
    assert http_client.post(f"{market}/actions", json={"actions": [split]}, headers=TOKEN).is_success
    data = client.get(f"/instruments/{symbol}/chart/").json()
    assert data["close"] == [bar["close"] / 4 for bar in bars[:100]] + [bar["close"] for bar in bars[100:]]
    assert data["params"]["periods_per_year"] == 365  # a daily bar of crypto, traded every day
    series = regimes_detect(np.array(data["close"]), RegimeParams(periods_per_year=365))
    assert data["volatility"] == regime_runs(list(series.volatility))


@pytest.mark.parametrize(("count", "note"), [(0, None), (10, "10 bars: too few for regimes (the method needs 50)")])
def test_a_series_too_short_for_regimes_is_drawn_without_them(client, stored, count, note):
    symbol, _ = stored(count)
    data = client.get(f"/instruments/{symbol}/chart/").json()
    assert (data["bars"], data["trend"], data["volatility"], data["regimes_note"]) == (count, [], [], note)


def test_a_failing_service_is_the_charts_problem_not_a_500(client, settings, stored):
    symbol, _ = stored(60)
    dead = dead_url()
    point(settings, flask_regime_url=dead)
    body = problem(client.get(f"/instruments/{symbol}/chart/"), 503)
    assert body.detail == f"flask_regime is unreachable at {dead}/regime: ConnectError"


def test_unknown_instruments_and_bad_parameters_are_problems(client, stored):
    symbol, _ = stored(0)
    assert problem(client.get("/instruments/NOSUCH/"), 404).instance == "/instruments/NOSUCH/"
    problem(client.get("/instruments/NOSUCH/chart/"), 404)
    body = problem(client.get(f"/instruments/{symbol}/chart/", {"timeframe": "2d"}), 400)
    assert body.extension("errors") == [{"field": "timeframe", "message": "not a timeframe: '2d'"}]
    problem(client.post("/"), 405)
    problem(client.get(f"/instruments/{symbol}/refresh/"), 405)


def test_the_detail_page_lists_the_recorded_snapshots(client, stored):
    symbol, _ = stored(0)
    instrument = Instrument.objects.get(symbol=symbol)
    regime_snapshot_record(instrument=instrument, regime=market_regime(symbol, trend="bear", volatility="low"))
    text = client.get(f"/instruments/{symbol}/").content.decode()
    assert f'data-url="/instruments/{symbol}/chart/"' in text
    assert "Recorded snapshots" in text and "trend-bear" in text and "vol-low" in text
    assert "refresh-regimes" not in text and "log in" in text  # no button for a visitor


# --- The Markov-switching band under the chart ---------------------------------------------------


def test_the_band_is_each_bars_filtered_p_high_as_fastapi_market_answers_it_with_hindsight_apart(
    client, services_in_threads
):
    symbol = new_symbol("DSM")
    post_bars(services_in_threads["fastapi_market"], bar_rows(symbol, calm_then_wild(600)))
    instrument_create(symbol=symbol, name="Band test", asset_class="equity")
    band = client.get(f"/instruments/{symbol}/markov/").json()
    answer = http_client.get(
        f"{services_in_threads['fastapi_market']}/regime/{symbol}",
        params={"method": "markov", "bars": "true", "smoothed": "true"},
        timeout=60,
    ).json()  # the stored fit the band's request made serves this one: a filter pass, the same numbers to rounding
    assert (band["symbol"], band["timeframe"], band["note"]) == (symbol, "1d", None)
    assert len(band["time"]) == len(band["high"]) == len(band["hindsight"]) == 599  # a row per return
    assert band["time"] == [int(datetime.fromisoformat(row["ts"]).timestamp()) for row in answer["bars"]]
    assert band["high"] == pytest.approx([row["filtered"][1] for row in answer["bars"]], abs=1e-9)
    assert band["hindsight"] == pytest.approx([row["smoothed_hindsight"][1] for row in answer["bars"]], abs=1e-9)
    assert band["high_volatility"] == band["high"][-1] == pytest.approx(answer["high_volatility"], abs=1e-9)
    assert [r["name"] for r in band["regimes"]] == ["low", "high"] and band["fit"]["returns"] == 599
    # Calm, then wild, every 100 days: the band is high in the wild spells, low in the calm ones.
    high = np.array(band["high"])
    assert np.mean(high[120:180] > 0.5) > 0.9 and np.mean(high[220:280] < 0.5) > 0.9


@pytest.mark.parametrize(
    ("count", "note"),
    [
        (0, "No 1d bars for {symbol}."),
        (100, "{symbol} has 100 1d bars; the Markov-switching method needs at least 251."),
    ],
)
def test_a_series_the_model_cannot_serve_has_no_band_and_says_why(client, stored, count, note):
    symbol, _ = stored(count)
    band = client.get(f"/instruments/{symbol}/markov/").json()
    assert (band["time"], band["high"], band["note"]) == ([], [], note.format(symbol=symbol))


def test_the_bands_failures_are_problems(client, settings, stored):
    symbol, _ = stored(0)
    problem(client.get("/instruments/NOSUCH/markov/"), 404)
    body = problem(client.get(f"/instruments/{symbol}/markov/", {"timeframe": "2d"}), 400)
    assert body.extension("errors") == [{"field": "timeframe", "message": "not a timeframe: '2d'"}]
    dead = dead_url()
    point(settings, fastapi_market_url=dead)
    body = problem(client.get(f"/instruments/{symbol}/markov/"), 503)
    assert body.detail.startswith(f"fastapi_market is unreachable at {dead}/regime/{symbol}?method=markov")


def test_the_detail_page_has_the_band_and_labels_the_smoothed_probabilities_hindsight(client, stored):
    symbol, _ = stored(0)
    text = client.get(f"/instruments/{symbol}/").content.decode()
    assert f'id="markov-band" class="band" height="56" data-url="/instruments/{symbol}/markov/"' in text
    assert "smoothed P(high volatility) <em>hindsight: uses later days</em>" in text


@pytest.fixture
def staff_client() -> Client:
    user = User.objects.create_user("tower-staff", password=PASSWORD, is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_the_dev_and_test_profiles_open_every_page_to_read(client, stored):
    symbol, _ = stored(0)
    for path in (
        "/",
        f"/instruments/{symbol}/",
        f"/instruments/{symbol}/chart/",
        f"/instruments/{symbol}/markov/",
        "/api/services/",
    ):
        assert client.get(path).status_code == 200, path


def test_in_production_every_page_and_the_data_behind_it_needs_a_staff_login(
    client, stored, staff_client, production_access
):
    symbol, _ = stored(0)
    User.objects.create_user("not-staff", password=PASSWORD)
    member = Client()
    member.login(username="not-staff", password=PASSWORD)
    for path in ("/", f"/instruments/{symbol}/"):
        for visitor in (client, member):
            answer = visitor.get(path)
            assert answer.status_code == 302 and answer["Location"] == f"/admin/login/?next={path}"
        assert staff_client.get(path).status_code == 200
    for path in (
        f"/instruments/{symbol}/chart/",
        f"/instruments/{symbol}/markov/",
        "/api/services/",
        "/api/instruments/",
    ):
        assert problem(client.get(path), 401).detail.endswith(
            "needs a staff login or a token: Authorization: Bearer <token>."
        )
        assert problem(member.get(path), 403).detail == "Log in as a staff user to do this."
        assert staff_client.get(path).status_code == 200, path


def test_refresh_needs_a_staff_login_and_the_csrf_token_then_records_the_regime(client, stored, staff_client):
    symbol, _ = stored(120)
    url = f"/instruments/{symbol}/refresh/"
    assert problem(client.post(url), 403).detail == "Log in as a staff user to do this."
    refused = problem(staff_client.post(url), 403)
    assert refused.detail.startswith("CSRF verification failed (CSRF cookie not set.)")
    assert not RegimeSnapshot.objects.filter(instrument__symbol=symbol).exists()

    page = staff_client.get(f"/instruments/{symbol}/")
    assert 'id="refresh-regimes"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    done = staff_client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert done.redirect_chain == [(f"/instruments/{symbol}/", 302)]
    snapshot = RegimeSnapshot.objects.get(instrument__symbol=symbol)
    message = f"{symbol}: recorded: {snapshot.trend}/{snapshot.volatility} as of {snapshot.as_of.isoformat()}"
    assert message in done.content.decode()
    again = staff_client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert f"{symbol}: unchanged:" in again.content.decode()


def test_a_failed_refresh_says_why(stored, staff_client):
    symbol, _ = stored(10)  # too few bars: fastapi_market answers 409
    token = staff_client.get(f"/instruments/{symbol}/").cookies["csrftoken"].value
    done = staff_client.post(f"/instruments/{symbol}/refresh/", {"csrfmiddlewaretoken": token}, follow=True)
    assert f"{symbol}: failed: fastapi_market answered 409" in done.content.decode()


def test_regime_runs_group_consecutive_bars_and_skip_bars_without_a_regime():
    labels = [None, None, "bull", "bull", "bear", None, "bear", "bear", "sideways"]
    assert regime_runs(labels) == [
        {"regime": "bull", "start": 2, "end": 3},
        {"regime": "bear", "start": 4, "end": 4},
        {"regime": "bear", "start": 6, "end": 7},
        {"regime": "sideways", "start": 8, "end": 8},
    ]
    assert regime_runs([]) == [] and regime_runs([None]) == []
