"""BFGS (Broyden, Fletcher, Goldfarb, Shanno) with a backtracking Armijo line search, on NumPy alone.

For smooth objectives whose exact gradient is at hand; Nocedal & Wright, *Numerical Optimization*,
2nd ed., 2006, algorithm 6.1 (the inverse-Hessian update, skipped when the curvature condition
fails; the first step scaled by (6.20)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
ARMIJO = 1e-4


@dataclass(frozen=True)
class Minimum:
    """Where the search stopped, the objective there, how many iterations it took, and whether the
    gradient test (rather than the iteration limit or a failed line search) stopped it."""

    x: np.ndarray
    value: float
    iterations: int
    converged: bool


def bfgs_minimise(objective: Objective, start: np.ndarray, gtol: float = 1e-7, max_iter: int = 400) -> Minimum:
    """Minimise ``objective`` (value and gradient at x) from ``start``: stops when every component of
    the gradient is below ``gtol``, when a line search finds no decrease, or after ``max_iter``."""
    x = np.asarray(start, dtype=float).copy()
    value, gradient = objective(x)
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return Minimum(x, value, 0, False)
    inverse_hessian = np.eye(len(x))
    first = True
    for iteration in range(1, max_iter + 1):
        if np.max(np.abs(gradient), initial=0.0) < gtol:
            return Minimum(x, value, iteration - 1, True)
        direction = -inverse_hessian @ gradient
        slope = float(direction @ gradient)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            inverse_hessian = np.eye(len(x))
            direction, slope = -gradient, -float(gradient @ gradient)
        step = min(1.0, 1.0 / max(np.max(np.abs(direction)), 1e-300)) if first else 1.0
        accepted = _backtrack(objective, x, value, direction, slope, step)
        if accepted is None:
            return Minimum(x, value, iteration, np.max(np.abs(gradient)) < gtol * 100)
        x_new, value_new, gradient_new = accepted
        s, y = x_new - x, gradient_new - gradient
        curvature = float(s @ y)
        if curvature > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            if first:  # scale the first guess of the inverse Hessian to the curvature seen
                inverse_hessian *= curvature / float(y @ y)
                first = False
            rho = 1.0 / curvature
            hy = inverse_hessian @ y
            inverse_hessian += (rho * rho * float(y @ hy) + rho) * np.outer(s, s) - rho * (
                np.outer(hy, s) + np.outer(s, hy)
            )
        x, value, gradient = x_new, value_new, gradient_new
    return Minimum(x, value, max_iter, False)


def _backtrack(
    objective: Objective, x: np.ndarray, value: float, direction: np.ndarray, slope: float, step: float
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """The first step along ``direction`` that decreases the objective enough (Armijo), shrinking it by
    quadratic interpolation; None when even a tiny step does not."""
    for _ in range(40):
        x_new = x + step * direction
        value_new, gradient_new = objective(x_new)
        decreased = np.isfinite(value_new) and value_new <= value + ARMIJO * step * slope
        if decreased and np.all(np.isfinite(gradient_new)):
            return x_new, value_new, gradient_new
        if not np.isfinite(value_new):
            step *= 0.1
            continue
        # The minimum of the quadratic through value, slope and value_new, kept within [0.1, 0.5] of step.
        shrink = -slope * step / (2.0 * (value_new - value - slope * step))
        step *= min(max(shrink, 0.1), 0.5)
        if step * np.max(np.abs(direction)) < 1e-14:
            break
    return None
