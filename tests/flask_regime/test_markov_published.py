"""The published Markov-switching results, reproduced from their published data: Hamilton's (1989) GNP model,
and the Stata manual's switching-mean model of the Fed funds rate and switching-variance model of absolute
S&P 500 returns with a lagged regressor (sources in tests/flask_regime/data/)."""

import numpy as np
import pytest

from apps.flask_regime.markov.estimate import markov_fit
from apps.flask_regime.markov.hamilton import markov_filter
from tests.flask_regime.markov_cases import PUBLISHED, published_case

WITH_PROBABILITIES = ("hamilton_gnp", "stata_fedfunds")


@pytest.fixture(scope="module")
def fits():
    fitted = {}
    for name in PUBLISHED:
        case = published_case(name)
        fitted[name] = markov_fit(case.values, case.spec, case.exog)
    return fitted


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_filter_gives_the_published_log_likelihood_at_the_published_parameters(name):
    case = published_case(name)
    result = markov_filter(case.values, case.params, case.exog)
    assert result.llf == pytest.approx(case.llf, abs=1e-4)  # published to 4 or 5 decimals


@pytest.mark.parametrize("name", WITH_PROBABILITIES)
def test_at_the_published_parameters_the_probabilities_are_the_published_ones(name):
    case = published_case(name)
    result = markov_filter(case.values, case.params, case.exog, smooth=True)
    assert len(result.filtered) == len(case.values) - case.spec.order == len(case.filtered)
    np.testing.assert_allclose(result.filtered[:, case.regime], case.filtered, atol=1e-5)  # published to 6 digits
    np.testing.assert_allclose(result.smoothed[:, case.regime], case.smoothed, atol=1e-5)


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_fit_reaches_the_published_maximum_and_parameters(fits, name):
    case, fit = published_case(name), fits[name]
    assert fit.converged
    assert fit.llf == pytest.approx(case.llf, abs=1e-3)
    np.testing.assert_allclose(fit.params.transition, case.params.transition, atol=2e-3)
    np.testing.assert_allclose(fit.params.mean, case.params.mean, atol=2e-3)
    np.testing.assert_allclose(fit.params.exog, case.params.exog, atol=2e-3)
    np.testing.assert_allclose(fit.params.variance, case.params.variance, rtol=2e-3)
    np.testing.assert_allclose(fit.params.ar, case.params.ar, atol=2e-3)


@pytest.mark.parametrize("name", WITH_PROBABILITIES)
def test_the_fitted_probabilities_are_the_published_ones(fits, name):
    case, fit = published_case(name), fits[name]
    assert np.max(np.abs(fit.filtered[:, case.regime] - case.filtered)) < 1e-3
    assert np.max(np.abs(fit.smoothed[:, case.regime] - case.smoothed)) < 1e-3
