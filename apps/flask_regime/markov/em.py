"""The EM algorithm's maximisation step for switching regressions, and the starts it begins from.

The M-step (Hamilton 1990; Kim & Nelson 1999, ch. 4) for a model without AR lags, given each
observation's smoothed regime probabilities w_t(j): each regime's coefficients by weighted least
squares, its variance as the weighted mean square residual (pooled when the variance does not
switch), the transition matrix from the expected transitions. EM never lowers the likelihood.
"""

from __future__ import annotations

import numpy as np

from apps.flask_regime.markov.likelihood import Evaluation, Sample, transition_counts
from apps.flask_regime.markov.model import MarkovParams

# A regime that holds no observation keeps a weight this small, so every M-step stays solvable.
EMPTY_WEIGHT = 1e-8


def maximise(sample: Sample, weights: np.ndarray, counts: np.ndarray, floor: float) -> MarkovParams:
    """The parameters (without AR lags) that maximise the expected complete-data log-likelihood, for
    regime weights (k × n) and expected transition counts (k × k)."""
    spec, y, design = sample.spec, sample.values, sample.design
    k = spec.k_regimes
    totals = weights.sum(axis=1) + EMPTY_WEIGHT
    q = design.shape[1]
    gamma = np.zeros((k, q))
    if q:  # weighted least squares per regime; einsum, not BLAS (a threaded product stalls on a busy machine)
        ridge = 1e-10 * np.eye(q) * max(1.0, float(np.abs(design).max()) ** 2)
        normal = np.einsum("jt,tp,tq->jpq", weights, design, design) + ridge
        gamma = np.linalg.solve(normal, np.einsum("jt,tp,t->jp", weights, design, y)[:, :, None])[:, :, 0]
    residuals = y[None, :] - np.einsum("jq,tq->jt", gamma, design) if q else np.broadcast_to(y, (k, len(y)))
    squares = (weights * residuals**2).sum(axis=1)
    overall = float(np.mean((y - y.mean()) ** 2)) + floor  # what an empty regime's variance falls back to
    if spec.switching_variance:
        variance = (squares + EMPTY_WEIGHT * overall) / totals
    else:
        variance = np.full(k, (squares.sum() + EMPTY_WEIGHT * overall) / totals.sum())
    transition = counts + EMPTY_WEIGHT
    transition /= transition.sum(axis=1, keepdims=True)
    has_mean = spec.has_intercept
    return MarkovParams(
        transition=transition,
        mean=gamma[:, 0].copy() if has_mean else None,
        exog=gamma[:, int(has_mean) :].copy(),
        variance=np.maximum(variance, floor * 1.01),
        ar=np.zeros(0),
    )


def em_step(sample: Sample, evaluation: Evaluation, floor: float) -> MarkovParams:
    """One EM update from an evaluation that holds the smoothed probabilities (no AR lags)."""
    assert evaluation.smoothed is not None
    return maximise(sample, evaluation.smoothed, transition_counts(evaluation), floor)


def _groups(score: np.ndarray, k: int) -> np.ndarray:
    """Each observation's group, 0 … k−1, by the quantiles of ``score`` (equal-sized groups)."""
    ranks = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    return np.minimum(ranks * k // len(score), k - 1)


def _trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """The mean of the last ``window`` values at each observation (fewer at the start)."""
    sums = np.cumsum(values)
    out = sums.copy()
    out[window:] -= sums[:-window]
    return out / np.minimum(np.arange(1, len(values) + 1), window)


def start_assignments(sample: Sample) -> list[np.ndarray]:
    """Guesses of each observation's regime (k × n, one-hot), each a start for EM.

    From the residuals of one least-squares fit of all the data: by their level and, when the
    variance switches, by their size; each of both observation by observation and smoothed over a
    trailing window, which finds regimes that last.
    """
    spec, y, design = sample.spec, sample.values, sample.design
    k, n = spec.k_regimes, len(y)
    if design.shape[1]:
        coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
        residuals = y - design @ coefficients
    else:
        residuals = y
    window = int(min(50, max(5, n // 20)))
    scores = []
    if design.shape[1]:
        scores += [residuals, _trailing_mean(residuals, window)]
    if spec.switching_variance:
        scores += [np.abs(residuals), _trailing_mean(np.abs(residuals), window)]
    assignments = []
    for score in scores:
        groups = _groups(score, k)
        assignments.append((groups[None, :] == np.arange(k)[:, None]).astype(float))
    return assignments


def params_from_assignment(sample: Sample, assignment: np.ndarray, floor: float) -> MarkovParams:
    """The M-step's parameters for a one-hot guess of the regimes, transitions counted from it."""
    counts = assignment[:, :-1] @ assignment[:, 1:].T + 1.0
    return maximise(sample, assignment, counts, floor)
