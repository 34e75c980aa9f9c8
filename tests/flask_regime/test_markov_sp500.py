"""S&P 500 daily log returns, 1999–2018 (tests/flask_regime/data/sp500_1999_2018.csv.gz, from the arch
package's data): a two-regime switching-variance model finds the sell-offs."""

from datetime import date

import numpy as np
import pytest

from apps.flask_regime.markov.estimate import markov_fit
from apps.flask_regime.markov.model import MarkovSpec
from scripts.benchmarks.markov import sp500_closes
from tests.flask_regime.markov_cases import statsmodels_fit

SPEC = MarkovSpec(k_regimes=2, switching_variance=True)
SELL_OFFS = {
    "2002: after WorldCom, to the October low": (date(2002, 6, 1), date(2002, 10, 31)),
    "2008–09: Lehman to the March 2009 low": (date(2008, 9, 15), date(2009, 3, 31)),
    "2011: the US downgrade and the euro crisis": (date(2011, 8, 1), date(2011, 10, 31)),
}
CALM_YEARS = (2005, 2017)


@pytest.fixture(scope="module")
def returns():
    dates, closes = sp500_closes()
    return dates[1:], 100 * np.diff(np.log(closes))  # percent log returns, dated by the day they end


@pytest.fixture(scope="module")
def fit(returns):
    return markov_fit(returns[1], SPEC)


def test_the_data_is_the_whole_period(returns):
    dates, values = returns
    assert (dates[0], dates[-1], len(values)) == (date(1999, 1, 5), date(2018, 12, 31), 5030)


def test_the_fit_is_statsmodels_maximum(returns, fit):
    assert fit.converged
    assert fit.llf == pytest.approx(statsmodels_fit(returns[1], SPEC).llf, abs=1e-3)
    assert fit.llf == pytest.approx(-7132.672, abs=1e-3)  # statsmodels 0.15, as measured in issue 22


def test_regime_1_is_the_volatile_one_and_lasts(fit):
    low, high = fit.params.variance
    assert high > 4 * low
    assert np.all(fit.params.expected_durations > 20)  # weeks to months, not a day


@pytest.mark.parametrize("which", ["filtered", "smoothed"])
@pytest.mark.parametrize("name", SELL_OFFS)
def test_the_volatile_regime_covers_each_sell_off(returns, fit, which, name):
    first, last = SELL_OFFS[name]
    dates = np.array(returns[0])
    high = getattr(fit, which)[:, 1][(dates >= first) & (dates <= last)]
    assert np.mean(high > 0.5) >= 0.95, f"{which} P(volatile) > 0.5 on {np.mean(high > 0.5):.0%} of the days"


def test_calm_years_are_in_the_calm_regime(returns, fit):
    years = np.array([d.year for d in returns[0]])
    for year in CALM_YEARS:
        assert np.mean(fit.smoothed[years == year, 1] > 0.5) <= 0.05, year
