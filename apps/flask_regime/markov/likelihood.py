"""The log-likelihood of a Markov-switching model and its exact gradient, over a parameter vector.

The gradient comes from Fisher's identity: the gradient of log p(y | θ) is the expectation, under
the smoothed regime probabilities, of the gradient of the complete-data log-likelihood
log p(y, S | θ) (Dempster, Laird & Rubin 1977; for these models, Hamilton 1990). One filter and one
smoother pass give it, whatever the number of parameters.

Parameters are packed into an unconstrained vector θ: for each row of the transition matrix, the
log-odds of leaving for each other regime against staying; then each regime's coefficients γ
(intercept, exog); the AR coefficients; and log(σ² − floor), one or one per regime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apps.flask_regime.markov.hamilton import Filtered, hamilton_filter, kim_smoother
from apps.flask_regime.markov.model import (
    JointChain,
    MarkovParams,
    MarkovSpec,
    joint_residuals,
    joint_variances,
    regime_residuals,
    scaled_densities,
)


@dataclass(frozen=True)
class Sample:
    """The data a fit works on: the series (n_all,), its design h_t (n_all × q: intercept, exog), the model."""

    values: np.ndarray
    design: np.ndarray
    spec: MarkovSpec

    @property
    def n(self) -> int:
        """Observations the likelihood counts: all but the first ``order``."""
        return len(self.values) - self.spec.order


@dataclass(frozen=True)
class Evaluation:
    """The filter's output at some parameters, ε for every joint regime (K × n), and (when asked) the
    smoothed joint probabilities (K × n)."""

    params: MarkovParams
    chain: JointChain
    filtered: Filtered
    eps: np.ndarray
    smoothed: np.ndarray | None

    @property
    def llf(self) -> float:
        return self.filtered.llf


def evaluate(sample: Sample, params: MarkovParams, smooth: bool) -> Evaluation:
    """Filter ``sample`` at ``params``; smooth too when ``smooth``."""
    chain = JointChain(params.transition, sample.spec.order)
    eps = joint_residuals(regime_residuals(sample.values, sample.design, params), params.ar)
    scaled, log_scale = scaled_densities(eps, joint_variances(params.variance, sample.spec.order))
    filtered = hamilton_filter(chain, scaled, log_scale)
    return Evaluation(params, chain, filtered, eps, kim_smoother(chain, filtered) if smooth else None)


def transition_counts(evaluation: Evaluation) -> np.ndarray:
    """Expected transitions i → j between consecutive observations, given all the data (k × k)."""
    smoothed, filtered, k = evaluation.smoothed, evaluation.filtered, evaluation.params.k_regimes
    assert smoothed is not None
    if evaluation.chain.order == 0:
        # P(S_{t−1}=i, S_t=j | all) = filtered_{t−1}(i) P[i, j] smoothed_t(j) / predicted_t(j)
        ratio = smoothed[:, 1:] / np.maximum(filtered.predicted[:, 1:], 1e-300)
        return np.asarray(evaluation.params.transition * np.einsum("it,jt->ij", filtered.filtered[:, :-1], ratio))
    pairs = smoothed[:, 1:].reshape(k, k, -1).sum(axis=2)  # [S_t, S_{t−1}]
    return np.asarray(pairs.T)


@dataclass(frozen=True)
class Layout:
    """How MarkovParams (in the sample's units) pack into the unconstrained vector θ, and back."""

    spec: MarkovSpec
    n_coefficients: int  # q: columns of the design
    floor: float  # the smallest variance allowed (keeps the likelihood bounded)

    def pack(self, params: MarkovParams) -> np.ndarray:
        k = self.spec.k_regimes
        transition = np.clip(params.transition, 1e-12, None)
        logits = np.log(transition) - np.log(np.diag(transition))[:, None]
        off_diagonal = logits[~np.eye(k, dtype=bool)]
        variance = params.variance if self.spec.switching_variance else params.variance[:1]
        log_excess = np.log(np.maximum(variance - self.floor, 1e-300))
        return np.concatenate([off_diagonal, params.coefficients().reshape(-1), params.ar, log_excess])

    def unpack(self, theta: np.ndarray) -> MarkovParams:
        k, q, order = self.spec.k_regimes, self.n_coefficients, self.spec.order
        split = np.cumsum([k * (k - 1), k * q, order])
        off_diagonal, coefficients, ar, log_excess = np.split(theta, split)
        logits = np.zeros((k, k))
        logits[~np.eye(k, dtype=bool)] = off_diagonal
        logits -= logits.max(axis=1, keepdims=True)
        transition = np.exp(logits)
        transition /= transition.sum(axis=1, keepdims=True)
        gamma = coefficients.reshape(k, q)
        has_mean = self.spec.has_intercept
        variance = self.floor + np.exp(np.minimum(log_excess, 700.0))
        return MarkovParams(
            transition=transition,
            mean=gamma[:, 0].copy() if has_mean else None,
            exog=gamma[:, int(has_mean) :].copy(),
            variance=np.broadcast_to(variance, (k,)).copy(),
            ar=ar.copy(),
        )


def _initial_log_probability(layout: Layout, theta_transition: np.ndarray, weights: np.ndarray) -> float:
    """Σ_j weights[j] log P(first joint regime = j), for the transition part of θ alone."""
    k = layout.spec.k_regimes
    logits = np.zeros((k, k))
    logits[~np.eye(k, dtype=bool)] = theta_transition
    transition = np.exp(logits - logits.max(axis=1, keepdims=True))
    transition /= transition.sum(axis=1, keepdims=True)
    initial = JointChain(transition, layout.spec.order).initial()
    return float(weights @ np.log(np.maximum(initial, 1e-300)))


def gradient(sample: Sample, layout: Layout, evaluation: Evaluation) -> np.ndarray:
    """∂ log-likelihood / ∂θ at the evaluation's parameters (which must include the smoothed probabilities)."""
    params, spec, weights = evaluation.params, sample.spec, evaluation.smoothed
    assert weights is not None
    k, order, n, n_all = spec.k_regimes, spec.order, sample.n, len(sample.values)
    joint_variance = joint_variances(params.variance, order)[:, None]

    # Transitions: expected counts against the logits, plus the first observation's stationary term.
    counts = transition_counts(evaluation)
    transition = params.transition
    by_logit = counts - transition * counts.sum(axis=1, keepdims=True)
    parts = [by_logit[~np.eye(k, dtype=bool)]]
    theta_transition = layout.pack(params)[: k * (k - 1)]
    first = weights[:, 0]
    for index in range(len(theta_transition)):  # a k(k−1)-vector: central differences are cheap and exact enough
        step = 1e-6
        up, down = theta_transition.copy(), theta_transition.copy()
        up[index] += step
        down[index] -= step
        parts[0][index] += (
            _initial_log_probability(layout, up, first) - _initial_log_probability(layout, down, first)
        ) / (2 * step)

    # Coefficients and AR: weighted residuals marginalised onto the regime at each lag.
    scaled = (weights * evaluation.eps / joint_variance).reshape((k,) * (order + 1) + (n,))
    axes = tuple(range(order + 1))
    by_lag = [scaled.sum(axis=tuple(a for a in axes if a != lag)) for lag in axes]  # each k × n
    design = sample.design
    if design.shape[1]:
        coefficient_gradient = np.einsum("jt,tq->jq", by_lag[0], design[order:])
        for lag in range(1, order + 1):
            lagged = design[order - lag : n_all - lag]
            coefficient_gradient -= params.ar[lag - 1] * np.einsum("jt,tq->jq", by_lag[lag], lagged)
        parts.append(coefficient_gradient.reshape(-1))
    if order:
        z = regime_residuals(sample.values, design, params)
        parts.append(np.array([np.sum(by_lag[lag] * z[:, order - lag : n_all - lag]) for lag in range(1, order + 1)]))

    # Variances: Σ w (ε²/σ² − 1) / (2σ²), by the current regime; then d σ² / dθ = σ² − floor.
    per_joint = weights * (evaluation.eps**2 / joint_variance - 1.0) / (2.0 * joint_variance)
    per_regime = per_joint.reshape(k, -1).sum(axis=1)
    excess = params.variance - layout.floor
    parts.append(per_regime * excess if spec.switching_variance else np.array([per_regime.sum() * excess[0]]))
    return np.concatenate(parts)
