"""The Hamilton (1989) filter and the Kim (1994) smoother, as blocked scans in NumPy.

Both recursions are products of small positive matrices, one per observation. The series is cut
into ``m`` blocks of ``B`` observations and every block runs the same step at once (a Python loop
of ``B`` steps over arrays of ``m`` blocks): first each block's product from an unknown start, then
a short sequential pass chains the blocks' starts, then every block runs again from its start.
About ``2B + m`` Python steps instead of ``n``; the same numbers as the step-by-step recursion up
to rounding (no step subtracts, so nothing cancels). Chains with many joint regimes run the
step-by-step recursion (one block), whose cost grows with ``K`` rather than ``K²``.

No look-ahead: the filtered probabilities of observation ``t`` use observations up to ``t`` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from apps.flask_regime.markov.model import (
    JointChain,
    MarkovParams,
    joint_residuals,
    joint_variances,
    regime_residuals,
    scaled_densities,
)

# Above this many joint regimes a block's K × K product costs more than it saves.
MAX_BLOCKED_JOINT_REGIMES = 32
TINY = 1e-300


@dataclass(frozen=True)
class Filtered:
    """Over joint regimes, one column per observation (K × n): P(joint at t | y up to t) and
    P(joint at t | y up to t−1); and the log-likelihood."""

    filtered: np.ndarray
    predicted: np.ndarray
    llf: float


def block_length(n: int, joint_regimes: int) -> int:
    """Observations per block: about √(n/2), which balances the 2B block steps against the m chain steps."""
    if joint_regimes > MAX_BLOCKED_JOINT_REGIMES or n < 64:
        return max(n, 1)
    return max(8, math.ceil(math.sqrt(n / 2)))


def _blocks(columns: np.ndarray, length: int, fill: float, front: bool = False) -> np.ndarray:
    """``columns`` (K × n) as (B × K × m): step ``τ`` of every block at once; padded with ``fill``."""
    width, n = columns.shape
    blocks = math.ceil(n / length)
    if blocks == 1 and length == n:  # step by step: a view, no copy
        return columns.T[:, :, None]
    padded = np.full((width, blocks * length), fill)
    if front:
        padded[:, blocks * length - n :] = columns
    else:
        padded[:, :n] = columns
    return np.ascontiguousarray(padded.reshape(width, blocks, length).transpose(2, 0, 1))


def _unblocked(blocked: np.ndarray, n: int, front: bool = False) -> np.ndarray:
    """The inverse of ``_blocks``: (B × K × m) → (K × n), padding dropped."""
    length, width, blocks = blocked.shape
    columns = blocked.transpose(1, 2, 0).reshape(width, blocks * length)
    return columns[:, blocks * length - n :] if front else columns[:, :n]


def hamilton_filter(
    chain: JointChain, densities: np.ndarray, log_scale: np.ndarray, length: int | None = None
) -> Filtered:
    """The Hamilton filter over joint regimes, from scaled densities (K × n) and their log scales (n,).

    ``length`` is the block length (``block_length`` by default; ``n`` runs it step by step).
    """
    size, n = densities.shape
    length = length or block_length(n, size)
    dens = _blocks(densities, length, 1.0)
    blocks = dens.shape[2]
    starts = np.empty((size, blocks))
    starts[:, 0] = chain.initial()
    if blocks > 1:
        # Each block's map from its first predicted vector to the next block's (up to scale).
        inner = blocks - 1
        product = np.broadcast_to(np.eye(size)[:, :, None], (size, size, inner)).copy()
        for step in range(length):
            product *= dens[step][:, None, :inner]
            product = chain.forward(product.reshape(size, size * inner)).reshape(size, size, inner)
            product /= product.max(axis=(0, 1))
        for block in range(inner):
            ahead = product[:, :, block] @ starts[:, block]
            starts[:, block + 1] = ahead / ahead.sum()
    filtered = np.empty_like(dens)
    predicted = np.empty_like(dens)
    sums = np.empty((length, blocks))
    current = starts
    for step in range(length):
        predicted[step] = current
        joint = dens[step] * current
        total = joint.sum(axis=0)
        sums[step] = total
        joint /= total
        filtered[step] = joint
        current = chain.forward(joint)
    llf = float(np.log(sums.T.reshape(-1)[:n]).sum() + log_scale.sum())
    return Filtered(_unblocked(filtered, n), _unblocked(predicted, n), llf)


def kim_smoother(chain: JointChain, result: Filtered, length: int | None = None) -> np.ndarray:
    """The Kim smoother over joint regimes: P(joint at t | all y), K × n.

    smoothed_t = filtered_t ⊙ T (smoothed_{t+1} ⊘ predicted_{t+1}); each step maps distributions to
    distributions, so the blocks' products need no rescaling.
    """
    size, n = result.filtered.shape
    smoothed = np.empty((size, n))
    smoothed[:, -1] = result.filtered[:, -1]
    if n == 1:
        return smoothed
    steps = n - 1  # smoothed_t for t = 0 … n−2, each from smoothed_{t+1}
    length = length or block_length(steps, size)
    # Padding goes in front: the backward pass reaches it last, and the first block's product is never used.
    filt = _blocks(result.filtered[:, :-1], length, 1.0, front=True)
    inverse = _blocks(1.0 / np.maximum(result.predicted[:, 1:], TINY), length, 1.0, front=True)
    blocks = filt.shape[2]

    inputs = np.empty((size, blocks))
    inputs[:, -1] = result.filtered[:, -1]
    if blocks > 1:
        inner = blocks - 1  # blocks 1 … m−1: each one's map from its end to its start
        product = np.broadcast_to(np.eye(size)[:, :, None], (size, size, inner)).copy()
        for step in range(length - 1, -1, -1):
            product *= inverse[step][:, None, 1:]
            product = chain.backward(product.reshape(size, size * inner)).reshape(size, size, inner)
            product *= filt[step][:, None, 1:]
        for block in range(blocks - 1, 0, -1):
            earlier = product[:, :, block - 1] @ inputs[:, block]
            inputs[:, block - 1] = earlier / earlier.sum()
    out = np.empty_like(filt)
    current = inputs
    for step in range(length - 1, -1, -1):
        current = filt[step] * chain.backward(current * inverse[step])
        current /= current.sum(axis=0)
        out[step] = current
    smoothed[:, :-1] = _unblocked(out, steps, front=True)
    return smoothed


def regime_marginals(joint: np.ndarray, k: int) -> np.ndarray:
    """Probabilities of S_t (k × n) from probabilities over joint regimes (K × n)."""
    if joint.shape[0] == k:
        return joint
    return np.asarray(joint.reshape(k, -1, joint.shape[1]).sum(axis=1))


def design_matrix(n: int, has_intercept: bool, exog: np.ndarray | None) -> np.ndarray:
    """h_t: a column of ones with an intercept, then the exog columns (n × q)."""
    columns = [np.ones((n, 1))] if has_intercept else []
    if exog is not None and exog.size:
        columns.append(np.asarray(exog, dtype=float).reshape(n, -1))
    return np.hstack(columns) if columns else np.zeros((n, 0))


def densities_for(
    values: np.ndarray, params: MarkovParams, exog: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scaled densities (K × n), their log scales, and ε (K × n), for the observations after the lags."""
    values = np.asarray(values, dtype=float)
    design = design_matrix(len(values), params.mean is not None, exog)
    eps = joint_residuals(regime_residuals(values, design, params), params.ar)
    scaled, log_scale = scaled_densities(eps, joint_variances(params.variance, params.order))
    return scaled, log_scale, eps


@dataclass(frozen=True)
class RegimeProbabilities:
    """One row per observation from ``order`` on (n × k): P(S_t = j | y up to t), P(S_t = j | all y)
    (None when not asked); and the log-likelihood."""

    filtered: np.ndarray
    smoothed: np.ndarray | None
    llf: float


def markov_filter(
    values: np.ndarray, params: MarkovParams, exog: np.ndarray | None = None, smooth: bool = False
) -> RegimeProbabilities:
    """Regime probabilities of ``values`` (oldest first) under fitted ``params``, with no fit.

    Row ``i`` is observation ``order + i``; its filtered probabilities use observations up to it and
    never a later one. ``exog`` has one row per value. With ``smooth``, also the smoothed ones.
    """
    chain = JointChain(params.transition, params.order)
    scaled, log_scale, _ = densities_for(values, params, exog)
    result = hamilton_filter(chain, scaled, log_scale)
    smoothed = regime_marginals(kim_smoother(chain, result), params.k_regimes).T if smooth else None
    return RegimeProbabilities(regime_marginals(result.filtered, params.k_regimes).T, smoothed, result.llf)
