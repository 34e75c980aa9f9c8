"""Maximum-likelihood fit of a Markov-switching model: ``markov_fit``.

The series (and each exog column) is standardised first, so one set of tolerances fits every
scale. Without AR lags: a few EM iterations from each start (``em.start_assignments``), then BFGS
with the exact gradient from each distinct result to its optimum. With AR lags: starts from the best
fits without them and from one pooled least-squares fit; the best two of a short BFGS search go on.
The best optimum wins. The answer is in the series' units, regimes in canonical order
(``MarkovParams.canonical_order``), its probabilities those of ``markov_filter`` at the fitted
parameters. A local optimum remains possible on samples too small to identify the model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from apps.flask_regime.markov import em
from apps.flask_regime.markov.bfgs import Minimum, bfgs_minimise
from apps.flask_regime.markov.hamilton import design_matrix, markov_filter
from apps.flask_regime.markov.likelihood import Layout, Sample, evaluate, gradient
from apps.flask_regime.markov.model import MarkovParams, MarkovSpec, regime_residuals

VARIANCE_FLOOR = 1e-6  # in units of the series' variance: keeps a regime from shrinking onto a few points
EM_ITERATIONS = 10  # from each start, before BFGS
DISTINCT = 0.02  # starts closer than this (probabilities, coefficients, log variances) are one
AR_BASES = 2  # how many of the best fits without AR lags start the model with them
POOLED_SPREADS = (0.5, 1.0)  # the regimes' intercepts, apart by this many residual deviations at most
POOLED_STAYS = (0.5, 0.9)
PROBE_ITERATIONS = 15  # BFGS iterations from every start before the searches that ended apart go on
AR_FINALISTS = 2  # starts of an AR model whose searches go on to an optimum
MIN_SCALE = 1e-100


class MarkovDataError(ValueError):
    """The data cannot be fitted with this model; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MarkovFit:
    """A fitted model: parameters in the series' units, log-likelihood, and one row per observation
    from ``order`` on of filtered and smoothed regime probabilities (n × k)."""

    spec: MarkovSpec
    params: MarkovParams
    llf: float
    filtered: np.ndarray
    smoothed: np.ndarray
    converged: bool
    iterations: int


@dataclass(frozen=True)
class Scaling:
    """y' = (y − shift) / scale and x'_j = x_j / exog_scale[j]: the units the fit works in."""

    shift: float
    scale: float
    exog_scale: np.ndarray

    def to_series(self, params: MarkovParams) -> MarkovParams:
        """Parameters in the fit's units → in the series' units."""
        return MarkovParams(
            transition=params.transition,
            mean=None if params.mean is None else self.shift + self.scale * params.mean,
            exog=params.exog * self.scale / self.exog_scale,
            variance=params.variance * self.scale**2,
            ar=params.ar,
        )


def _rms(values: np.ndarray) -> float:
    """Root mean square, without overflow or underflow on the way."""
    largest = float(np.max(np.abs(values), initial=0.0))
    return 0.0 if largest == 0 else largest * float(np.sqrt(np.mean((values / largest) ** 2)))


def check_data(values: np.ndarray, exog: np.ndarray | None, spec: MarkovSpec) -> None:
    """Raise MarkovDataError when no model of this form can be fitted to the data."""
    if not np.all(np.isfinite(values)) or (exog is not None and not np.all(np.isfinite(exog))):
        raise MarkovDataError("values", "every value (and exog entry) must be a finite number")
    if len(values) - spec.order < 2:
        raise MarkovDataError("values", "too few values for the model")
    if np.ptp(values) == 0:
        raise MarkovDataError("values", "values are constant: a regime model needs a series that varies")
    if _rms(values - np.mean(values)) < MIN_SCALE:
        raise MarkovDataError("values", f"values vary by less than {MIN_SCALE:g}: rescale them")
    if exog is not None:
        zero = [j for j in range(exog.shape[1]) if not np.any(exog[:, j])]
        if zero:
            raise MarkovDataError("exog", f"exog column {zero[0]} is all zeros")


def _scaling(values: np.ndarray, exog: np.ndarray | None, spec: MarkovSpec) -> Scaling:
    shift = float(np.mean(values)) if spec.has_intercept else 0.0
    exog_scale = np.array([_rms(column) for column in exog.T]) if exog is not None else np.zeros(0)
    return Scaling(shift, _rms(values - shift), exog_scale)


def _check_identified(sample: Sample) -> None:
    """The design must have full rank, and the series must not be an exact function of its lags and
    regressors (its variance would shrink to nothing)."""
    y, design, order = sample.values, sample.design, sample.spec.order
    q, n_all = design.shape[1], len(y)
    if q and np.linalg.matrix_rank(design, tol=1e-10 * np.sqrt(n_all)) < q:
        intercept = " and the intercept" if sample.spec.has_intercept else ""
        raise MarkovDataError("exog", f"the columns of exog{intercept} are collinear: drop the redundant ones")
    columns = [design[order:]]
    for lag in range(1, order + 1):
        columns += [y[order - lag : n_all - lag, None], design[order - lag : n_all - lag]]
    regressors = np.hstack(columns) if columns else np.zeros((n_all - order, 0))
    target = y[order:]
    if regressors.shape[1]:
        residual = target - regressors @ np.linalg.lstsq(regressors, target, rcond=None)[0]
        if _rms(residual) <= 1e-9 * max(_rms(target), 1e-300):
            raise MarkovDataError(
                "values", "values are an exact linear function of their lags and exog: no variance is left to model"
            )


def markov_fit(values: np.ndarray, spec: MarkovSpec, exog: np.ndarray | None = None) -> MarkovFit:
    """The maximum-likelihood fit of ``spec`` to ``values`` (oldest first; ``exog`` one row per value).

    Raises MarkovDataError when the data cannot be fitted with this model.
    """
    values = np.asarray(values, dtype=float)
    exog = None if exog is None or spec.n_exog == 0 else np.asarray(exog, dtype=float).reshape(len(values), -1)
    check_data(values, exog, spec)
    scaling = _scaling(values, exog, spec)
    standard_exog = None if exog is None else exog / scaling.exog_scale
    design = design_matrix(len(values), spec.has_intercept, standard_exog)
    sample = Sample((values - scaling.shift) / scaling.scale, design, spec)
    _check_identified(sample)
    layout = Layout(spec, design.shape[1], VARIANCE_FLOOR)

    if spec.order == 0:
        starts = _em_starts(sample, layout)
    else:
        base_spec = dataclasses.replace(spec, order=0)
        base = Sample(sample.values, design, base_spec)
        base_starts = _em_starts(base, Layout(base_spec, design.shape[1], VARIANCE_FLOOR))
        starts = [_ar_start(base, start, spec.order) for start in base_starts[:AR_BASES]]
        starts += _pooled_ar_starts(sample)
    # Without lags every distinct EM result goes on to its optimum; with lags, the best of a short search.
    finalists = len(starts) if spec.order == 0 else AR_FINALISTS
    best, converged, iterations = _bfgs(sample, layout, starts, finalists)
    params = best.reordered(best.canonical_order(spec.switching_variance))
    natural = scaling.to_series(params)
    probabilities = markov_filter(values, natural, exog, smooth=True)
    assert probabilities.smoothed is not None
    return MarkovFit(
        spec, natural, probabilities.llf, probabilities.filtered, probabilities.smoothed, converged, iterations
    )


def _em_starts(sample: Sample, layout: Layout) -> list[MarkovParams]:
    """A few EM iterations from every start (model without AR lags); the distinct results, best first."""
    probed: list[tuple[float, MarkovParams]] = []
    for assignment in em.start_assignments(sample):
        params = em.params_from_assignment(sample, assignment, layout.floor)
        for _ in range(EM_ITERATIONS):
            evaluation = evaluate(sample, params, smooth=True)
            params = em.em_step(sample, evaluation, layout.floor)
        llf = evaluate(sample, params, smooth=False).llf
        if np.isfinite(llf):
            probed.append((llf, params))
    if not probed:
        raise MarkovDataError("values", "the likelihood is not finite at any start: the data cannot be fitted")
    probed.sort(key=lambda item: -item[0])
    distinct: list[tuple[np.ndarray, MarkovParams]] = []
    for _, params in probed:
        signature = _signature(params, sample.spec.switching_variance)
        if all(np.max(np.abs(signature - seen)) > DISTINCT for seen, _ in distinct):
            distinct.append((signature, params))
    return [params for _, params in distinct]


def _signature(params: MarkovParams, switching_variance: bool) -> np.ndarray:
    """Where a candidate is, whatever the numbering of its regimes: for telling starts apart."""
    ordered = params.reordered(params.canonical_order(switching_variance))
    return np.concatenate([ordered.transition.ravel(), ordered.coefficients().ravel(), np.log(ordered.variance)])


def _ar_start(base: Sample, params: MarkovParams, order: int) -> MarkovParams:
    """A start for the model with ``order`` AR lags from a fit without them: its regimes, with AR coefficients
    by least squares on its smoothed residuals and variances shrunk by what they explain."""
    evaluation = evaluate(base, params, smooth=True)
    assert evaluation.smoothed is not None
    residual = (evaluation.smoothed * regime_residuals(base.values, base.design, params)).sum(axis=0)
    n_all = len(residual)
    lags = np.column_stack([residual[order - lag : n_all - lag] for lag in range(1, order + 1)])
    ar = np.linalg.lstsq(lags, residual[order:], rcond=None)[0]
    explained = 1.0 - np.mean((residual[order:] - lags @ ar) ** 2) / max(np.mean(residual[order:] ** 2), 1e-300)
    shrunk = np.maximum(params.variance * (1.0 - np.clip(explained, 0.0, 0.9)), VARIANCE_FLOOR * 1.01)
    return dataclasses.replace(params, ar=ar, variance=shrunk)


def _pooled_ar_starts(sample: Sample) -> list[MarkovParams]:
    """Starts from one least-squares fit of the series on its lags and regressors: the regimes' intercepts
    spread around the fitted mean by a fraction of the residual deviation, each staying put with
    probability 0.5 or 0.9 (no single family of starts finds the best optimum on every series)."""
    spec, y, design = sample.spec, sample.values, sample.design
    k, order, n_all, q = spec.k_regimes, spec.order, len(y), design.shape[1]
    lags = np.column_stack([y[order - lag : n_all - lag] for lag in range(1, order + 1)])
    coefficients = np.linalg.lstsq(np.hstack([design[order:], lags]), y[order:], rcond=None)[0]
    gamma, ar = coefficients[:q], coefficients[q:]
    residual = y[order:] - np.hstack([design[order:], lags]) @ coefficients
    variance = max(float(np.mean(residual**2)), VARIANCE_FLOOR * 1.01)
    if spec.has_intercept:  # the mean-adjusted form's μ: the regression's intercept over 1 − Σφ
        gamma = gamma.copy()
        gamma[0] /= max(1.0 - ar.sum(), 0.1)
    starts = []
    for spread in POOLED_SPREADS:
        shifts = spread * np.sqrt(variance) * np.linspace(-1.0, 1.0, k)
        for stay in POOLED_STAYS:
            transition = np.full((k, k), (1.0 - stay) / (k - 1))
            np.fill_diagonal(transition, stay)
            regime_gamma = np.tile(gamma, (k, 1))
            if spec.has_intercept:
                regime_gamma[:, 0] += shifts
            starts.append(
                MarkovParams(
                    transition=transition,
                    mean=regime_gamma[:, 0].copy() if spec.has_intercept else None,
                    exog=regime_gamma[:, int(spec.has_intercept) :].copy(),
                    variance=np.full(k, variance) * (np.geomspace(0.5, 2.0, k) if not spec.has_intercept else 1.0),
                    ar=ar.copy(),
                )
            )
    return starts


def _bfgs(sample: Sample, layout: Layout, starts: list[MarkovParams], finalists: int) -> tuple[MarkovParams, bool, int]:
    """BFGS on −llf / n: a short search from every start, then the best ``finalists`` of those that ended
    apart on to their optima. The best optimum, whether the gradient test stopped its search, and the
    iterations used in all."""
    n = sample.n

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        evaluation = evaluate(sample, layout.unpack(theta), smooth=True)
        if not np.isfinite(evaluation.llf):
            return np.inf, np.zeros_like(theta)
        return -evaluation.llf / n, -gradient(sample, layout, evaluation) / n

    probes = [bfgs_minimise(objective, layout.pack(start), max_iter=PROBE_ITERATIONS) for start in starts]
    iterations = sum(probe.iterations for probe in probes)
    ranked = sorted((p for p in probes if np.isfinite(p.value)), key=lambda result: result.value)
    if not ranked:
        raise MarkovDataError("values", "the likelihood is not finite at any start: the data cannot be fitted")
    # Searches that have reached the same place go on as one.
    distinct: list[tuple[np.ndarray, Minimum]] = []
    for probe in ranked:
        signature = _signature(layout.unpack(probe.x), sample.spec.switching_variance)
        if all(np.max(np.abs(signature - seen)) > DISTINCT for seen, _ in distinct):
            distinct.append((signature, probe))
    finals = []
    for _, probe in distinct[:finalists]:
        final = probe if probe.converged else bfgs_minimise(objective, probe.x)
        iterations += 0 if final is probe else final.iterations
        finals.append(final)
    best = min(finals, key=lambda result: result.value if np.isfinite(result.value) else np.inf)
    return layout.unpack(best.x), best.converged, iterations
