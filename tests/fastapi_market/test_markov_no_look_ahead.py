"""No look-ahead in GET /regime/{symbol}?method=markov, on the real stack: with the same fitted
parameters, bars appended later never change an earlier bar's filtered probabilities, and the regime
answered for the latest bar is exactly its filtered probability (Hamilton's filter run here on the
stored closes), never the smoothed one that uses later bars."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient

from apps.common.contracts.market_markov import MarkovMarketRegime
from apps.fastapi_market.main import create_app
from apps.fastapi_market.markov_fits import FITS, StoredFit, new_bars_allowed
from apps.flask_regime.markov.hamilton import markov_filter
from apps.flask_regime.regime_markov import params_from_document
from tests.fastapi_market.markov_series import bar_rows, calm_then_wild, new_symbol, post_bars

FITTED = 1001
LATER = 40  # bars appended one at a time: fewer than a fit of 1,000 returns serves
CLOSES = calm_then_wild(FITTED + LATER, seed=7)


def markov(client, symbol: str, **params) -> MarkovMarketRegime:
    response = client.get(f"/regime/{symbol}", params={"method": "markov", **params})
    assert response.status_code == 200, response.text[:500]
    return MarkovMarketRegime.model_validate(response.json())


def rows_by_ts(answer: MarkovMarketRegime) -> dict:
    return {bar.ts: bar for bar in answer.bars}


@pytest.fixture(scope="module")
def grown(market_settings):
    """A symbol fitted on 1,001 bars, then grown one bar at a time: each bar's regime as answered when
    it was the latest, and the per-bar answer at the end (grown once: the tests only read it)."""
    assert new_bars_allowed(FITTED - 1) > LATER
    symbol = new_symbol("L")
    with TestClient(create_app(market_settings)) as client:
        post_bars(client, bar_rows(symbol, CLOSES[:FITTED]))
        first = markov(client, symbol, bars="true")
        answered_then = {first.as_of: first.probabilities}
        for n in range(FITTED, FITTED + LATER):
            post_bars(client, bar_rows(symbol, CLOSES[n : n + 1], start=n))
            latest = markov(client, symbol)
            assert not latest.fit.refitted and latest.fit.fitted_at == first.fit.fitted_at  # the same parameters
            answered_then[latest.as_of] = latest.probabilities
        final = markov(client, symbol, bars="true", smoothed="true")
    assert not final.fit.refitted
    return symbol, first, answered_then, final


def test_later_bars_never_change_an_earlier_bar_s_filtered_probabilities(grown):
    _, first, _, final = grown
    later = rows_by_ts(final)
    assert len(final.bars) == len(first.bars) + LATER
    earlier = np.array([bar.filtered for bar in first.bars])
    again = np.array([later[bar.ts].filtered for bar in first.bars])
    np.testing.assert_allclose(again, earlier, rtol=0, atol=1e-12)


def test_each_bar_s_regime_when_it_was_the_latest_is_its_filtered_row_later(grown):
    _, _, answered_then, final = grown
    later = rows_by_ts(final)
    for ts, probabilities in answered_then.items():
        np.testing.assert_allclose(later[ts].filtered, probabilities, rtol=0, atol=1e-12, err_msg=str(ts))


def test_the_current_regime_is_hamilton_s_filter_on_the_bars_up_to_it_not_the_smoother(grown, market_settings):
    symbol, _, answered_then, final = grown
    with MongoClient(market_settings.mongo.url, tz_aware=True) as mongo:
        fit = StoredFit.of(mongo[market_settings.mongo.database][FITS].find_one({"_id": f"{symbol}:1d:all:k2"}))
    params = params_from_document(fit.params)
    returns = np.diff(np.log(CLOSES))  # no actions: the adjusted closes are the closes
    here = markov_filter(returns, params, smooth=True)
    np.testing.assert_allclose([bar.filtered for bar in final.bars], here.filtered, rtol=0, atol=1e-9)
    np.testing.assert_allclose([bar.smoothed_hindsight for bar in final.bars], here.smoothed, rtol=0, atol=1e-9)
    assert final.probabilities == final.bars[-1].filtered
    # Earlier bars' answers are their filtered rows, which differ from the hindsight of the smoother.
    index = {bar.ts: i for i, bar in enumerate(final.bars)}
    gaps = [abs(p[1] - here.smoothed[index[ts], 1]) for ts, p in answered_then.items() if ts != final.as_of]
    assert max(gaps) > 1e-3, "pick a series whose smoothed and filtered probabilities differ"
    for ts, probabilities in answered_then.items():
        np.testing.assert_allclose(probabilities, here.filtered[index[ts]], rtol=0, atol=1e-9)
