"""GET /regime/{symbol}?method=markov and POST /regime/{symbol}/fit on the real MongoDB-compatible
server and the real flask_regime: a fit is stored with the data it was made on and reused, refitted
by the rule (enough new bars, changed bars) or on demand; bad requests are problems."""

from __future__ import annotations

import math

import numpy as np
import pytest

from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.fastapi_market.markov_fits import new_bars_allowed
from tests.fastapi_market.markov_series import bar_rows, calm_then_wild, new_symbol, post_bars
from tests.problem_checks import assert_problem
from tests.stack import TEST_TOKENS, TOKEN

CLOSES = calm_then_wild(1001)  # 1,000 returns: a fit serves 50 new bars


def markov(client, symbol: str, **params) -> MarkovMarketRegime:
    response = client.get(f"/regime/{symbol}", params={"method": "markov", **params})
    assert response.status_code == 200, response.text[:500]
    return MarkovMarketRegime.model_validate(response.json())


def refit(client, symbol: str, **params) -> MarkovMarketRegime:
    response = client.post(f"/regime/{symbol}/fit", params=params, headers=TOKEN)
    assert response.status_code == 200, response.text[:500]
    return MarkovMarketRegime.model_validate(response.json())


@pytest.fixture
def stored(client) -> str:
    """A symbol with 1,001 bars whose volatility switches every 100 days."""
    symbol = new_symbol()
    post_bars(client, bar_rows(symbol, CLOSES))
    return symbol


def test_the_first_request_fits_and_the_next_only_filters(client, stored):
    first = markov(client, stored)
    assert first.fit.refitted and first.fit.reason == "no fit yet"
    assert (first.fit.returns, first.fit.series_bars, first.bars_filtered) == (1000, 1001, 1000)
    assert first.bars is None and first.method == "markov" and first.adjust == "all"
    second = markov(client, stored)
    assert not second.fit.refitted and second.fit.reason is None
    assert second.fit.fitted_at == first.fit.fitted_at and second.fit.data_version == first.fit.data_version
    np.testing.assert_allclose(second.probabilities, first.probabilities, atol=1e-9)  # the fit's rows, filtered again


def test_the_answer_describes_the_regimes(client, stored):
    answer = markov(client, stored, asset_class="crypto")
    low, high = answer.regimes
    assert answer.periods_per_year == 365
    assert low.annual_volatility == pytest.approx(0.006 * math.sqrt(365), rel=0.15)
    assert high.annual_volatility == pytest.approx(0.025 * math.sqrt(365), rel=0.15)
    assert 50 < low.expected_duration_bars < 200 and 50 < high.expected_duration_bars < 200  # spells of 100 days
    assert sum(answer.probabilities) == pytest.approx(1) and answer.high_volatility == answer.probabilities[1]
    assert len(answer.fit.transition) == 2 and answer.fit.llf > 0


def test_new_bars_are_filtered_with_the_stored_fit_until_the_rule_refits(client, stored):
    fitted = markov(client, stored).fit
    allowed = new_bars_allowed(1000)
    assert allowed == 50  # 5 % of 1,000 returns, fewer than 250
    more = calm_then_wild(1001 + allowed, seed=5)
    post_bars(client, bar_rows(stored, more[1001 : 1000 + allowed], start=1001))  # one bar short of the rule
    served = markov(client, stored)
    assert not served.fit.refitted and served.fit.fitted_at == fitted.fitted_at
    assert served.bars_filtered == 1000 + allowed - 1 and served.fit.returns == 1000
    post_bars(client, bar_rows(stored, more[1000 + allowed :], start=1000 + allowed))
    refitted = markov(client, stored)
    assert refitted.fit.refitted and refitted.fit.reason.startswith(f"{allowed} new bars since the fit")
    assert refitted.fit.returns == refitted.bars_filtered == 1000 + allowed
    assert refitted.fit.data_version > fitted.data_version


def test_a_corrected_bar_or_a_split_among_the_fitted_ones_refits(client, stored):
    markov(client, stored)
    post_bars(client, bar_rows(stored, [CLOSES[500] * 1.01], start=500))  # a correction
    corrected = markov(client, stored)
    assert corrected.fit.refitted and "changed" in corrected.fit.reason
    assert not markov(client, stored).fit.refitted
    split = {"symbol": stored, "type": "split", "ex_date": "2001-06-01", "ratio": 2}
    assert client.post("/actions", json={"actions": [split]}, headers=TOKEN).status_code == 200
    after_split = markov(client, stored).fit  # the adjusted closes before it halved
    assert after_split.refitted and "changed" in after_split.reason


def test_each_adjustment_and_number_of_regimes_has_its_own_fit(client, stored):
    two = markov(client, stored)
    three = markov(client, stored, k_regimes=3)
    raw = markov(client, stored, adjust="none")
    assert three.fit.refitted and raw.fit.refitted and not markov(client, stored).fit.refitted
    assert [r.name for r in three.regimes] == ["low", "normal", "high"] and len(three.probabilities) == 3
    assert three.high_volatility == three.probabilities[2] and three.volatility in ("low", "normal", "high")
    assert three.fit.llf >= two.fit.llf - 1e-6  # a third regime can only fit as well or better


def test_per_bar_probabilities_the_newest_lookback_and_smoothed_hindsight(client, stored):
    whole = markov(client, stored, bars="true", smoothed="true")
    assert len(whole.bars) == 1000 and whole.bars[0].ts == whole.fit.first_ts and whole.bars[-1].ts == whole.as_of
    assert whole.bars[-1].smoothed_hindsight == pytest.approx(whole.bars[-1].filtered)  # the last bar: the same
    tail = markov(client, stored, bars="true", lookback=10)
    assert [bar.ts for bar in tail.bars] == [bar.ts for bar in whole.bars[-10:]]
    assert all(bar.smoothed_hindsight is None for bar in tail.bars)
    np.testing.assert_allclose([b.filtered for b in tail.bars], [b.filtered for b in whole.bars[-10:]], atol=1e-12)


def test_post_fit_refits_on_demand_and_the_next_read_uses_it(client, stored):
    first = markov(client, stored)
    asked = refit(client, stored)
    assert asked.fit.refitted and asked.fit.reason == "asked for (POST /regime/{symbol}/fit)"
    assert asked.fit.fitted_at > first.fit.fitted_at and asked.bars is None
    assert asked.fit.llf == pytest.approx(first.fit.llf, abs=1e-6)  # the same data, the same maximum
    later = markov(client, stored)
    assert not later.fit.refitted and later.fit.fitted_at == asked.fit.fitted_at


@pytest.mark.parametrize(
    ("caller", "status"), [("operator", 200), ("django_core", 200), ("fastapi_market", 403), (None, 401)]
)
def test_only_the_operator_and_django_core_may_ask_for_a_fit(client, stored, caller, status):
    headers = {"Authorization": f"Bearer {TEST_TOKENS[caller]}"} if caller else {}
    response = client.post(f"/regime/{stored}/fit", headers=headers)
    assert response.status_code == status, response.text[:300]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"method": "hmm"}, "query.method"),
        ({"method": "markov", "k_regimes": 4}, "query.k_regimes"),
        ({"method": "markov", "k_regimes": 1}, "query.k_regimes"),
        ({"method": "markov", "lookback": 0}, "query.lookback"),
        ({"method": "markov", "bars": "maybe"}, "query.bars"),
    ],
)
def test_bad_queries_are_422_problems_naming_the_parameter(client, stored, params, field):
    response = client.get(f"/regime/{stored}", params=params)
    assert_problem(response, 422)
    assert field in [error["field"] for error in response.json()["errors"]]


def test_bad_fit_queries_are_422_problems(client, stored):
    response = client.post(f"/regime/{stored}/fit", params={"k_regimes": 5}, headers=TOKEN)
    assert_problem(response, 422)
    assert [error["field"] for error in response.json()["errors"]] == ["query.k_regimes"]


def test_an_unknown_symbol_is_404_and_too_few_or_unmoving_bars_409(client):
    for response in (
        client.get("/regime/NOSUCH22", params={"method": "markov"}),
        client.post("/regime/NOSUCH22/fit", headers=TOKEN),
    ):
        assert_problem(response, 404)
        assert response.json()["detail"] == "No 1d bars for NOSUCH22."
    short, flat = new_symbol("S"), new_symbol("F")
    post_bars(client, bar_rows(short, CLOSES[:250]) + bar_rows(flat, np.full(400, 50.0)))
    too_few = client.get(f"/regime/{short}", params={"method": "markov"})
    assert_problem(too_few, 409)
    assert too_few.json()["detail"] == f"{short} has 250 1d bars; the Markov-switching method needs at least 251."
    unmoving = client.post(f"/regime/{flat}/fit", headers=TOKEN)
    assert_problem(unmoving, 409)
    assert "never move" in unmoving.json()["detail"]


def test_rules_stay_the_default_and_answer_as_before(client, stored):
    rules = client.get(f"/regime/{stored}").json()
    assert "method" not in rules and rules["bars_used"] == 1000 and rules["trend"] in ("bull", "bear", "sideways")
    assert client.get(f"/regime/{stored}", params={"method": "rules", "lookback": 60}).json()["bars_used"] == 60


def test_every_query_the_schema_allows_is_answered(client, stored):
    """Parameters of the other method are ignored, not refused: the schema cannot say which go together."""
    plain = client.get(f"/regime/{stored}").json()
    assert client.get(f"/regime/{stored}", params={"k_regimes": 3, "bars": "true", "smoothed": "true"}).json() == plain
    hindsight = markov(client, stored, smoothed="true", lookback=5)  # smoothed rows come with the bars they are of
    assert len(hindsight.bars) == 5 and all(bar.smoothed_hindsight is not None for bar in hindsight.bars)
    short = client.get(f"/regime/{stored}", params={"lookback": 10})
    assert_problem(short, 409)
    assert short.json()["detail"] == f"10 1d bars of {stored} read (lookback 10); the method needs at least 50."
