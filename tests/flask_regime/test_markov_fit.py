"""markov_fit's promises: it recovers a model it simulated, numbers regimes canonically, does not depend on the
series' units, and refuses data no model of the asked form can be fitted to."""

import numpy as np
import pytest

from apps.flask_regime.markov.estimate import MarkovDataError, markov_fit
from apps.flask_regime.markov.model import MarkovParams, MarkovSpec
from tests.flask_regime.markov_cases import simulate

TRUE = MarkovParams(
    transition=np.array([[0.97, 0.03], [0.05, 0.95]]),
    mean=np.array([0.5, -1.0]),
    exog=np.array([[0.8], [-0.4]]),
    variance=np.array([0.25, 2.25]),
    ar=np.zeros(0),
)


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(11)
    exog = rng.normal(size=(4_000, 1))
    values, regimes = simulate(rng, TRUE, 4_000, exog)
    return values, exog, regimes


def test_the_fit_recovers_the_model_that_made_the_data(simulated):
    values, exog, regimes = simulated
    fit = markov_fit(values, MarkovSpec(2, switching_variance=True, n_exog=1), exog)
    assert fit.converged
    np.testing.assert_allclose(fit.params.transition, TRUE.transition, atol=0.02)
    np.testing.assert_allclose(fit.params.mean, TRUE.mean, atol=0.1)
    np.testing.assert_allclose(fit.params.exog, TRUE.exog, atol=0.1)
    np.testing.assert_allclose(fit.params.variance, TRUE.variance, rtol=0.1)
    assert np.mean(fit.smoothed.argmax(axis=1) == regimes) > 0.95


def test_regimes_are_numbered_from_the_calmest_or_the_lowest_mean(simulated):
    values, exog, _ = simulated
    volatile = markov_fit(values, MarkovSpec(2, switching_variance=True, n_exog=1), exog)
    assert volatile.params.variance[0] < volatile.params.variance[1]  # by variance, though its mean is higher
    assert volatile.params.mean[0] > volatile.params.mean[1]
    by_mean = markov_fit(values, MarkovSpec(2, n_exog=1), exog)
    assert by_mean.params.mean[0] < by_mean.params.mean[1]


def test_the_units_of_the_series_change_nothing_but_the_units(simulated):
    values, exog, _ = simulated
    spec = MarkovSpec(2, order=1, switching_variance=True, n_exog=1)
    fit = markov_fit(values[:1_500], spec, exog[:1_500])
    scaled = markov_fit(1_000 * values[:1_500] + 40, spec, 0.01 * exog[:1_500])
    np.testing.assert_allclose(scaled.params.mean, 1_000 * fit.params.mean + 40, rtol=1e-4)
    np.testing.assert_allclose(scaled.params.exog, 1e5 * fit.params.exog, rtol=1e-4)
    np.testing.assert_allclose(scaled.params.variance, 1e6 * fit.params.variance, rtol=1e-4)
    np.testing.assert_allclose(scaled.params.ar, fit.params.ar, atol=1e-5)
    assert scaled.llf == pytest.approx(fit.llf - fit.filtered.shape[0] * np.log(1_000), abs=1e-4)
    np.testing.assert_allclose(scaled.smoothed, fit.smoothed, atol=1e-5)


def test_the_same_data_gives_the_same_fit(simulated):
    values, exog, _ = simulated
    spec = MarkovSpec(2, order=1, switching_variance=True)
    first, second = markov_fit(values[:800], spec), markov_fit(values[:800].copy(), spec)
    assert first.llf == second.llf
    np.testing.assert_array_equal(first.filtered, second.filtered)


def test_rows_start_after_the_lags():
    rng = np.random.default_rng(12)
    values = rng.normal(size=300) + np.repeat([0.0, 3.0, 0.0], 100)
    fit = markov_fit(values, MarkovSpec(2, order=3))
    assert fit.filtered.shape == fit.smoothed.shape == (297, 2)


@pytest.mark.parametrize(
    ("values", "exog", "spec", "field", "message"),
    [
        (np.full(60, 2.5), None, MarkovSpec(2), "values", "values are constant"),
        (np.r_[np.zeros(59), 1e-120], None, MarkovSpec(2), "values", "vary by less than"),
        (0.9 ** np.arange(80.0), None, MarkovSpec(2, order=1), "values", "exact linear function of their lags"),
        (np.arange(80.0) % 7, np.c_[np.arange(80.0) % 7], MarkovSpec(2, n_exog=1), "values", "exact linear function"),
        (np.arange(80.0) % 7, np.ones((80, 1)), MarkovSpec(2, n_exog=1), "exog", "collinear"),
        (
            np.arange(80.0) % 7,
            np.c_[np.arange(80.0), 2 * np.arange(80.0)],
            MarkovSpec(2, n_exog=2),
            "exog",
            "collinear",
        ),
        (np.arange(80.0) % 7, np.zeros((80, 1)), MarkovSpec(2, trend="n", n_exog=1), "exog", "all zeros"),
    ],
    ids=["constant", "tiny", "exact-ar", "exact-exog", "exog-is-the-intercept", "collinear-exog", "zero-exog"],
)
def test_data_no_model_can_be_fitted_to_is_refused_naming_the_field(values, exog, spec, field, message):
    with pytest.raises(MarkovDataError, match=message) as refused:
        markov_fit(values, spec, exog)
    assert refused.value.field == field
