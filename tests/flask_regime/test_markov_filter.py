"""The Hamilton filter, the Kim smoother and the likelihood's gradient, on their own: against the likelihood
summed over every regime path, step by step against blocked, no look-ahead, and finite differences."""

import itertools

import numpy as np
import pytest

from apps.flask_regime.markov.hamilton import (
    densities_for,
    design_matrix,
    hamilton_filter,
    kim_smoother,
    markov_filter,
    regime_marginals,
)
from apps.flask_regime.markov.likelihood import Layout, Sample, evaluate, gradient
from apps.flask_regime.markov.model import JointChain, stationary_distribution
from tests.flask_regime.markov_cases import draw, shape_id

# (k_regimes, order, trend, switching_variance, exog columns)
SHAPES = [
    (2, 0, "c", False, 0),
    (3, 0, "n", True, 2),
    (2, 1, "c", True, 1),
    (2, 2, "c", True, 0),
    (3, 2, "n", True, 1),
    (2, 4, "c", True, 1),
]


def path_sum(values, params, exog):
    """The likelihood, and P(S_t = j | all y), by summing over every path of regimes (small n only)."""
    k, order = params.k_regimes, params.order
    design = design_matrix(len(values), params.mean is not None, exog)
    gamma = params.coefficients()
    stationary = stationary_distribution(params.transition)
    total, by_regime = 0.0, np.zeros((len(values) - order, k))
    for path in itertools.product(range(k), repeat=len(values)):  # S_0 … S_{n−1}; the first `order` are lags
        weight = stationary[path[0]] * np.prod([params.transition[a, b] for a, b in itertools.pairwise(path)])
        z = [values[t] - design[t] @ gamma[path[t]] for t in range(len(values))]
        for t in range(order, len(values)):
            eps = z[t] - sum(params.ar[i] * z[t - 1 - i] for i in range(order))
            variance = params.variance[path[t]]
            weight *= np.exp(-0.5 * eps * eps / variance) / np.sqrt(2 * np.pi * variance)
        total += weight
        for t in range(order, len(values)):
            by_regime[t - order, path[t]] += weight
    return np.log(total), by_regime / total


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_likelihood_and_smoothed_probabilities_equal_the_sum_over_every_path(shape):
    _, params, values, exog = draw(shape, 9 if shape[0] == 2 else 7, seed=3)
    llf, smoothed = path_sum(values, params, exog)
    result = markov_filter(values, params, exog, smooth=True)
    assert result.llf == pytest.approx(llf, rel=1e-12)
    np.testing.assert_allclose(result.smoothed, smoothed, atol=1e-12)
    np.testing.assert_allclose(result.filtered[-1], smoothed[-1], atol=1e-12)  # the last observation: both alike


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_blocked_scans_equal_the_step_by_step_recursion(shape):
    spec, params, values, exog = draw(shape, 700, seed=4)
    chain = JointChain(params.transition, spec.order)
    scaled, log_scale, _ = densities_for(values, params, exog)
    n = scaled.shape[1]
    step_by_step = hamilton_filter(chain, scaled, log_scale, length=n)
    smoothed_steps = kim_smoother(chain, step_by_step, length=n - 1)
    for length in (1, 8, 37, 100, 699):
        blocked = hamilton_filter(chain, scaled, log_scale, length=length)
        assert blocked.llf == pytest.approx(step_by_step.llf, rel=1e-12)
        np.testing.assert_allclose(blocked.filtered, step_by_step.filtered, atol=1e-12)
        np.testing.assert_allclose(kim_smoother(chain, blocked, length=length), smoothed_steps, atol=1e-12)


@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[2], SHAPES[5]], ids=shape_id)
def test_no_look_ahead_later_values_never_change_a_filtered_row(shape):
    spec, params, values, exog = draw(shape, 3_000, seed=5)
    whole = markov_filter(values, params, exog)
    for t in (100, 1_234, 2_000):  # an observation inside a block, with whole blocks before and after it
        changed = values.copy()
        changed[t + 1 :] = np.random.default_rng(t).normal(0, 50, len(values) - t - 1)  # wild, and all different
        after = markov_filter(changed, params, exog)
        row = t - spec.order  # filtered row of observation t
        assert np.array_equal(after.filtered[: row + 1], whole.filtered[: row + 1])
        assert not np.allclose(after.filtered[row + 1 :], whole.filtered[row + 1 :])
        prefix = markov_filter(values[: t + 1], params, None if exog is None else exog[: t + 1])
        np.testing.assert_allclose(prefix.filtered, whole.filtered[: row + 1], atol=1e-12)


def test_rows_are_probabilities_and_an_absurd_value_keeps_them_finite():
    spec, params, values, exog = draw(SHAPES[1], 500, seed=6)
    values[250] = 1e12  # no regime explains it
    result = markov_filter(values, params, exog, smooth=True)
    for rows in (result.filtered, result.smoothed):
        assert np.all(np.isfinite(rows)) and np.all(rows >= 0)
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(result.llf) and result.llf < -1e20


def test_the_chain_steps_forward_and_back_as_adjoints():
    rng = np.random.default_rng(8)
    for k, order in ((2, 0), (3, 1), (2, 3), (4, 2)):
        chain = JointChain(rng.dirichlet(np.ones(k), size=k), order)
        u, v = rng.random((chain.size, 3)), rng.random((chain.size, 3))
        np.testing.assert_allclose(np.sum(chain.forward(u) * v), np.sum(u * chain.backward(v)), rtol=1e-12)
        initial = chain.initial()
        np.testing.assert_allclose(chain.forward(initial[:, None])[:, 0], initial, atol=1e-14)  # stationary


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_the_gradient_is_the_derivative_of_the_log_likelihood(shape):
    spec, params, values, exog = draw(shape, 250, seed=9)
    design = design_matrix(len(values), spec.trend == "c", exog)
    sample = Sample(values, design, spec)
    layout = Layout(spec, design.shape[1], 1e-6)
    theta = layout.pack(params)
    exact = gradient(sample, layout, evaluate(sample, layout.unpack(theta), smooth=True))
    numeric = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = 1e-5
        up = evaluate(sample, layout.unpack(theta + step), smooth=False).llf
        down = evaluate(sample, layout.unpack(theta - step), smooth=False).llf
        numeric[i] = (up - down) / 2e-5
    np.testing.assert_allclose(exact, numeric, atol=1e-6 * max(1.0, np.abs(numeric).max()))


def test_marginals_sum_the_joint_regimes_by_the_current_one():
    joint = np.arange(8.0)[:, None] * np.ones((1, 2))  # k=2, order=2: index = 4·S_t + 2·S_{t−1} + S_{t−2}
    np.testing.assert_array_equal(regime_marginals(joint, 2), [[6.0, 6.0], [22.0, 22.0]])
