"""``refresh_regimes`` against the real FastAPI (served from a thread), which has no bars for these
symbols (a 404 problem for every one), and against a stand-in that answers regimes."""

import dataclasses
import io
import json

import pytest
from django.core.management import CommandError, call_command

from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.django_core.tower.models import RegimeSnapshot
from apps.django_core.tower.services import instrument_create
from scripts.stack_processes import run_module
from tests import http_client
from tests.django_core.regimes import market_regime
from tests.fastapi_market.markov_series import bar_rows, calm_then_wild, new_symbol
from tests.ingest import post_bars
from tests.json_server import json_server
from tests.stack import TOKEN, clean_env

pytestmark = pytest.mark.django_db


def refresh(*args: str) -> tuple[list[str], CommandError | None]:
    """Run the command in this process; its output lines and the CommandError it raised, if any."""
    out = io.StringIO()
    try:
        call_command("refresh_regimes", *args, stdout=out, no_color=True)
    except CommandError as exc:
        return out.getvalue().splitlines(), exc
    return out.getvalue().splitlines(), None


@pytest.fixture
def instruments():
    instrument_create(symbol="AAPL", name="Apple Inc.", asset_class="equity")
    instrument_create(symbol="BTC-USD", name="Bitcoin", asset_class="crypto")
    instrument_create(symbol="XAU", name="Gold spot", asset_class="commodity", active=False)


def test_every_instrument_fails_and_the_command_goes_on_and_exits_1(instruments, services_in_threads):
    lines, error = refresh()
    market = services_in_threads["fastapi_market"]
    assert lines == [
        f"AAPL: failed: fastapi_market answered 404 at {market}/regime/AAPL?timeframe=1d&asset_class=equity",
        f"BTC-USD: failed: fastapi_market answered 404 at {market}/regime/BTC-USD?timeframe=1d&asset_class=crypto",
        "2 instruments: 0 recorded, 0 unchanged, 2 failed",
    ]
    assert str(error) == "2 of 2 instruments failed" and error.returncode == 1
    assert not RegimeSnapshot.objects.exists()


def test_given_symbols_are_refreshed_active_or_not_and_unknown_ones_fail(instruments, services_in_threads):
    lines, error = refresh("--symbol", "xau", "NOPE", "--symbol", "AAPL", "--timeframe", "1h")
    market = services_in_threads["fastapi_market"]
    assert lines == [
        "NOPE: failed: not a known instrument",
        f"AAPL: failed: fastapi_market answered 404 at {market}/regime/AAPL?timeframe=1h&asset_class=equity",
        f"XAU: failed: fastapi_market answered 404 at {market}/regime/XAU?timeframe=1h&asset_class=commodity",
        "3 instruments: 0 recorded, 0 unchanged, 3 failed",
    ]
    assert error is not None


def test_nothing_to_refresh_is_a_success():
    assert refresh() == (["0 instruments: 0 recorded, 0 unchanged, 0 failed"], None)


def test_the_real_command_exits_1_on_the_test_stack(test_stack, test_urls):
    """As an operator runs it: a process on the test stack's own database (aetherion_core)."""
    django, market = test_urls["django_core"], test_urls["fastapi_market"]
    created = http_client.post(
        f"{django}/api/instruments/",
        headers=TOKEN,
        json={"symbol": "ZZTEST", "name": "Refresh test", "asset_class": "other"},
    )
    assert created.status_code == 201, created.text
    try:
        result = run_module("apps.django_core", clean_env(), 60, "refresh_regimes")
    finally:
        assert http_client.delete(f"{django}/api/instruments/ZZTEST/", headers=TOKEN).status_code == 204
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"ZZTEST: failed: fastapi_market answered 404 at {market}/regime/ZZTEST?timeframe=1d&asset_class=other" in lines
    )
    assert lines[-1].endswith(" failed") and "0 recorded" in lines[-1]
    assert "CommandError:" in result.stderr and "Traceback" not in result.stderr


# --- Against a stand-in for the future GET /regime/{symbol} ----------------------------------


class StandInAnswers(dict):
    """The stand-in's answers by symbol, and every path it was asked."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []


@pytest.fixture
def regime_server(settings):
    """An HTTP server answering ``GET /regime/<symbol>`` with ``answers[symbol]`` (status, body);
    Django's settings point at it as fastapi_market."""
    answers = StandInAnswers()

    def answer(path: str) -> tuple[int, bytes]:
        answers.asked.append(path)
        return answers.get(path.split("/")[-1].split("?")[0], (404, b"{}"))

    with json_server(answer) as url:
        common = dataclasses.replace(settings.CONFIG.common, fastapi_market_url=url)
        settings.CONFIG = dataclasses.replace(settings.CONFIG, common=common)
        yield answers


def test_regimes_are_recorded_then_unchanged(instruments, regime_server):
    for symbol in ("AAPL", "BTC-USD"):
        regime_server[symbol] = (200, market_regime(symbol).model_dump_json().encode())
    first, error = refresh()
    assert error is None
    assert first == [
        "AAPL: recorded: bull/normal as of 2026-03-02T21:00:00+00:00",
        "BTC-USD: recorded: bull/normal as of 2026-03-02T21:00:00+00:00",
        "2 instruments: 2 recorded, 0 unchanged, 0 failed",
    ]
    regime_server["BTC-USD"] = (200, market_regime("BTC-USD", trend="bear").model_dump_json().encode())
    second, error = refresh()
    assert error is None
    assert second == [
        "AAPL: unchanged: bull/normal as of 2026-03-02T21:00:00+00:00",
        "BTC-USD: recorded: bear/normal as of 2026-03-02T21:00:00+00:00",
        "2 instruments: 1 recorded, 1 unchanged, 0 failed",
    ]
    assert RegimeSnapshot.objects.count() == 2
    # Each asks for the volatility of its own trading calendar: an equity exchange's, crypto's round the clock.
    assert "/regime/AAPL?timeframe=1d&asset_class=equity" in regime_server.asked
    assert "/regime/BTC-USD?timeframe=1d&asset_class=crypto" in regime_server.asked


def test_a_broken_or_mismatched_answer_fails_that_instrument_only(instruments, regime_server):
    regime_server["AAPL"] = (200, json.dumps({"symbol": "AAPL", "trend": "up"}).encode())
    regime_server["BTC-USD"] = (200, market_regime("ETH-USD").model_dump_json().encode())
    regime_server["XAU"] = (200, market_regime("XAU", timeframe="x" * 17).model_dump_json().encode())
    lines, error = refresh("--symbol", "AAPL", "BTC-USD", "XAU", "SPY")
    assert lines[0] == "SPY: failed: not a known instrument"
    assert lines[1].startswith("AAPL: failed: fastapi_market broke its contract at ")
    assert lines[2] == "BTC-USD: failed: the regime is for ETH-USD, not BTC-USD"
    assert lines[3] == "XAU: failed: timeframe: Ensure this value has at most 16 characters (it has 17)."
    assert lines[4] == "4 instruments: 0 recorded, 0 unchanged, 4 failed"
    assert error is not None and not RegimeSnapshot.objects.exists()


# --- --method markov, against the real fastapi_market and flask_regime -----------------------


@pytest.fixture
def markov_instrument(services_in_threads):
    """An instrument whose 600 daily bars (calm, then wild, every 100 days) are in fastapi_market."""
    symbol = new_symbol("MKV")
    response = post_bars(services_in_threads["fastapi_market"], bar_rows(symbol, calm_then_wild(600)))
    assert response.status_code == 200, response.text
    return instrument_create(symbol=symbol, name="Markov test", asset_class="equity")


def test_markov_refits_and_records_the_filtered_probabilities_beside_the_rules_regime(
    markov_instrument, services_in_threads
):
    symbol = markov_instrument.symbol
    lines, error = refresh("--symbol", symbol, "--method", "markov")
    assert error is None, lines
    assert lines[0].startswith(f"{symbol}: recorded: markov ") and " volatility, P(high) " in lines[0], lines
    markov = RegimeSnapshot.objects.get(instrument=markov_instrument, method="markov")
    # What fastapi_market now answers from the fit the command made: the same latest bar, the same numbers.
    answer = MarkovMarketRegime.model_validate(
        http_client.get(
            f"{services_in_threads['fastapi_market']}/regime/{symbol}", params={"method": "markov"}, timeout=60
        ).json()
    )
    assert answer.fit.refitted is False and answer.fit.reason is None  # the command's fit serves
    assert markov.as_of == answer.as_of and markov.volatility == answer.volatility and markov.trend == ""
    assert markov.probabilities == {
        regime.name: pytest.approx(p, abs=1e-9) for regime, p in zip(answer.regimes, answer.probabilities, strict=True)
    }
    assert sum(markov.probabilities.values()) == pytest.approx(1)
    assert markov.features["annual_volatility_high"] > 2 * markov.features["annual_volatility_low"]
    # The series ends in a wild spell (bars 500-599): the latest bar is in the volatile regime.
    assert markov.volatility == "high" and markov.features["high_volatility"] > 0.9

    # A fit of the same bars again finds the same maximum: nothing changes. The rules regime is another snapshot.
    assert refresh("--symbol", symbol, "--method", "markov")[0][0].startswith(f"{symbol}: unchanged: markov ")
    assert refresh("--symbol", symbol)[0][0].startswith(f"{symbol}: recorded: ")
    assert sorted(RegimeSnapshot.objects.filter(instrument=markov_instrument).values_list("method", flat=True)) == [
        "markov",
        "rules",
    ]


def test_markov_on_too_few_bars_fails_with_fastapi_markets_reason(services_in_threads):
    symbol = new_symbol("MKS")
    assert post_bars(services_in_threads["fastapi_market"], bar_rows(symbol, calm_then_wild(100))).status_code == 200
    instrument_create(symbol=symbol, name="Too short", asset_class="equity")
    lines, error = refresh("--symbol", symbol, "--method", "markov")
    assert lines == [
        f"{symbol}: failed: fastapi_market: {symbol} has 100 1d bars; the Markov-switching method needs at least 251.",
        "1 instruments: 0 recorded, 0 unchanged, 1 failed",
    ]
    assert error is not None and not RegimeSnapshot.objects.exists()


@pytest.mark.parametrize(
    "option, message",
    [
        (("--method", "hmm"), "--method must be rules or markov, not 'hmm'"),
        (("--timeframe", "2d"), "--timeframe must be one of 1m, 5m, 15m, 1h, 4h, 1d, 1w, not '2d'"),
    ],
)
def test_a_bad_option_is_one_line_before_anything_is_asked(instruments, option, message):
    lines, error = refresh(*option)
    assert lines == [] and str(error) == message


def test_the_real_command_says_a_bad_method_in_one_line():
    result = run_module("apps.django_core", clean_env(), 60, "refresh_regimes", "--method", "hmm")
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: --method must be rules or markov, not 'hmm'", result.stderr
    assert result.stdout == ""
