"""A Markov-switching model: its specification, its parameters, the chain of joint regimes, densities.

The model, for observations ``y_t`` with optional regressors ``x_t`` and a hidden regime
``S_t ∈ {0, …, k−1}`` that follows a Markov chain with transition matrix ``P`` (``P[i, j]`` is the
probability of regime ``j`` after regime ``i``)::

    z_t(s) = y_t − μ_s − x_t·β_s                       (μ only with trend "c"; β only with exog)
    z_t(S_t) = φ_1 z_{t−1}(S_{t−1}) + … + φ_p z_{t−p}(S_{t−p}) + ε_t,   ε_t ~ N(0, σ²_{S_t})

Hamilton's (1989) switching-mean autoregression when ``p > 0``; a switching regression when
``p = 0``. The AR coefficients φ do not switch. The density of ``y_t`` depends on the ``p + 1``
latest regimes, so the filter runs on the chain of *joint* regimes ``(S_t, S_{t−1}, …, S_{t−p})``:
``k^(p+1)`` states, indexed in C order with ``S_t`` first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Trend = Literal["c", "n"]
LOG_2PI = math.log(2 * math.pi)
# A scaled density never goes below exp(-700): a bar no regime explains still leaves every
# probability finite and positive (the filter divides by their sum).
MIN_LOG_DENSITY = -700.0


@dataclass(frozen=True)
class MarkovSpec:
    """Which model: ``k_regimes`` regimes, ``order`` AR lags, a switching intercept (trend "c") or none,
    a variance per regime or one for all, and ``n_exog`` regressors with switching coefficients."""

    k_regimes: int
    order: int = 0
    trend: Trend = "c"
    switching_variance: bool = False
    n_exog: int = 0

    @property
    def joint_regimes(self) -> int:
        """States of the joint-regime chain the filter runs on: ``k^(order+1)``."""
        return int(self.k_regimes ** (self.order + 1))

    @property
    def has_intercept(self) -> bool:
        return self.trend == "c"


@dataclass(frozen=True)
class MarkovParams:
    """A model's parameters, in the units of the series.

    ``transition[i, j]`` is P(S_t = j | S_{t−1} = i) (rows sum to 1); ``mean`` is μ (None with
    trend "n"); ``exog`` is β, one row per regime (k × 0 without exog); ``variance`` is σ², one per
    regime (all equal when the variance does not switch); ``ar`` is φ_1 … φ_p.
    """

    transition: np.ndarray
    mean: np.ndarray | None
    exog: np.ndarray
    variance: np.ndarray
    ar: np.ndarray

    @property
    def k_regimes(self) -> int:
        return int(self.transition.shape[0])

    @property
    def order(self) -> int:
        return len(self.ar)

    @property
    def expected_durations(self) -> np.ndarray:
        """1 / (1 − P[j, j]): how many observations a spell of each regime lasts on average."""
        stay = np.diag(self.transition)
        with np.errstate(divide="ignore"):
            return np.where(stay < 1.0, 1.0 / np.maximum(1.0 - stay, 0.0), np.inf)

    def coefficients(self) -> np.ndarray:
        """γ: each regime's intercept (when there is one) then its exog coefficients, k × q."""
        columns = [] if self.mean is None else [self.mean[:, None]]
        return np.hstack([*columns, self.exog]) if columns or self.exog.size else np.zeros((self.k_regimes, 0))

    def reordered(self, order: np.ndarray) -> MarkovParams:
        """The same model with its regimes renumbered: new regime ``i`` is old regime ``order[i]``."""
        return MarkovParams(
            transition=self.transition[np.ix_(order, order)],
            mean=None if self.mean is None else self.mean[order],
            exog=self.exog[order],
            variance=self.variance[order],
            ar=self.ar,
        )

    def canonical_order(self, switching_variance: bool) -> np.ndarray:
        """Regimes numbered from the calmest (variance ascending) when the variance switches, else
        from the lowest intercept, else by the first exog coefficient; ties keep their order."""
        if switching_variance:
            key = self.variance
        elif self.mean is not None:
            key = self.mean
        else:
            key = self.exog[:, 0]
        return np.argsort(key, kind="stable")


def stationary_distribution(transition: np.ndarray) -> np.ndarray:
    """π with π P = π and Σ π = 1 (least squares, so a chain that never leaves a regime still gets one)."""
    k = transition.shape[0]
    system = np.vstack([transition.T - np.eye(k), np.ones((1, k))])
    target = np.zeros(k + 1)
    target[-1] = 1.0
    pi = np.linalg.lstsq(system, target, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    total = pi.sum()
    return pi / total if total > 0 and np.isfinite(total) else np.full(k, 1.0 / k)


class JointChain:
    """The chain of joint regimes ``(S_t, …, S_{t−order})``, applied to batches of columns (K × C)."""

    __slots__ = ("transition", "order", "k", "size", "_transposed")

    def __init__(self, transition: np.ndarray, order: int):
        self.transition = np.ascontiguousarray(transition, dtype=float)
        self.order = order
        self.k = int(transition.shape[0])
        self.size = int(self.k ** (order + 1))
        self._transposed = np.ascontiguousarray(self.transition.T)

    def forward(self, probs: np.ndarray) -> np.ndarray:
        """One step ahead: ``probs[j]`` over joint regimes at t−1 → over joint regimes at t."""
        if self.order == 0:
            ahead: np.ndarray = self._transposed @ probs
            return ahead
        k, columns = self.k, probs.shape[1]
        # Drop the oldest regime, then prepend S_t: new[s, s1, rest] = P[s1, s] · Σ_old probs[s1, rest, old].
        kept = probs.reshape(k**self.order, k, columns).sum(axis=1)
        moved: np.ndarray = self._transposed[:, :, None, None] * kept.reshape(1, k, k ** (self.order - 1), columns)
        return moved.reshape(self.size, columns)

    def backward(self, values: np.ndarray) -> np.ndarray:
        """The adjoint of ``forward``: ``out[i] = Σ_j T[i → j] · values[j]``."""
        if self.order == 0:
            back: np.ndarray = self.transition @ values
            return back
        k, columns = self.k, values.shape[1]
        # out[s, rest, old] = Σ_s' P[s, s'] · values[s', s, rest], the same for every oldest regime.
        shaped = values.reshape(k, k, k ** (self.order - 1), columns)
        summed = np.einsum("ab,bacd->acd", self.transition, shaped)
        return np.repeat(summed[:, :, None, :], k, axis=2).reshape(self.size, columns)

    def initial(self) -> np.ndarray:
        """The joint regimes of the first observation, from the stationary chain (K,)."""
        k = self.k
        probs = stationary_distribution(self.transition)
        for _ in range(self.order):  # prepend one newer regime at a time
            probs = (self._transposed[:, :, None] * probs.reshape(1, k, -1)).reshape(-1)
        return probs


def regime_residuals(values: np.ndarray, design: np.ndarray, params: MarkovParams) -> np.ndarray:
    """z_t(s) = y_t − h_t·γ_s for every regime and observation (k × n_all); h_t is a row of ``design``."""
    coefficients = params.coefficients()
    z = np.broadcast_to(values, (params.k_regimes, len(values)))
    if coefficients.shape[1] == 0:
        return z.copy()
    if params.mean is not None and coefficients.shape[1] == 1:
        fitted = params.mean[:, None]
    else:  # einsum, not BLAS: a threaded product of this shape stalls on a busy machine
        fitted = np.einsum("jq,tq->jt", coefficients, design)
    difference: np.ndarray = z - fitted
    return difference


def joint_residuals(z: np.ndarray, ar: np.ndarray) -> np.ndarray:
    """ε_t for every joint regime, from the regime residuals ``z`` (k × n_all): k^(p+1) × (n_all − p)."""
    order, (k, n_all) = len(ar), z.shape
    n = n_all - order
    if order == 0:
        return z
    eps = z[:, order:].reshape((k,) + (1,) * order + (n,))
    for lag in range(1, order + 1):
        shape = (1,) * lag + (k,) + (1,) * (order - lag) + (n,)
        eps = eps - ar[lag - 1] * z[:, order - lag : n_all - lag].reshape(shape)
    return np.asarray(np.broadcast_to(eps, (k,) * (order + 1) + (n,)).reshape(k ** (order + 1), n))


def joint_variances(variance: np.ndarray, order: int) -> np.ndarray:
    """σ²_{S_t} for every joint regime (K,)."""
    return np.repeat(variance, variance.shape[0] ** order)


def scaled_densities(eps: np.ndarray, joint_variance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each observation's Gaussian density under each joint regime (K × n), scaled so that its largest
    is 1, and the log of each observation's scale: density = scaled · exp(log_scale). Finite and
    positive for any finite input."""
    with np.errstate(over="ignore"):
        # a_j = log σ²_j + (ε/σ_j)²; log density = −(log 2π + a_j) / 2.
        squares = eps * (1.0 / np.sqrt(joint_variance))[:, None]
        np.square(squares, out=squares)
    if not np.isfinite(squares.max()):  # a residual beyond 1e154 σ: cap it, the regime explains nothing
        np.minimum(squares, 1e300, out=squares)
    squares += np.log(joint_variance)[:, None]
    least = squares.min(axis=0)
    squares -= least
    np.minimum(squares, -2 * MIN_LOG_DENSITY, out=squares)
    squares *= -0.5
    np.exp(squares, out=squares)
    return squares, -0.5 * (LOG_2PI + least)
