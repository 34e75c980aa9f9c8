"""``POST /regime/markov`` (fit) and ``POST /regime/markov/filter`` (filter with fitted parameters).

Internal: who may call them is the access table's (apps/common/access.py). Bodies are the
contracts in apps/common/contracts/markov.py; data no model of the asked form can be fitted to
(constant, collinear exog, an exact fit) is a 422.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, jsonify

from apps.common.contracts import MarkovFilterRequest, MarkovFitRequest
from apps.common.contracts import MarkovParams as ParamsDocument
from apps.flask_regime.bodies import InvalidBody, parse_body
from apps.flask_regime.markov.estimate import MarkovDataError, markov_fit
from apps.flask_regime.markov.hamilton import markov_filter
from apps.flask_regime.markov.model import MarkovParams, MarkovSpec

bp = Blueprint("regime_markov", __name__)


@bp.post("/regime/markov")
def create_markov_fit() -> Response:
    """Fit a Markov-switching model to the posted series by maximum likelihood."""
    request = parse_body(MarkovFitRequest)
    spec = MarkovSpec(request.k_regimes, request.order, request.trend, request.switching_variance, request.n_exog)
    try:
        fit = markov_fit(np.asarray(request.values, dtype=float), spec, _exog(request.exog))
    except MarkovDataError as exc:
        raise _invalid(exc.field, str(exc)) from None
    except np.linalg.LinAlgError:
        current_app.logger.warning("markov fit: linear algebra failed on %d values", len(request.values))
        raise _invalid("values", "the model could not be fitted to these values (a singular system)") from None
    _require_finite(fit.llf, fit.filtered, fit.smoothed)
    return jsonify(
        k_regimes=spec.k_regimes,
        order=spec.order,
        trend=spec.trend,
        switching_variance=spec.switching_variance,
        nobs=len(fit.filtered),
        start=spec.order,
        llf=fit.llf,
        converged=fit.converged,
        params=params_document(fit.params),
        filtered=fit.filtered.tolist(),
        smoothed=fit.smoothed.tolist(),
    )


@bp.post("/regime/markov/filter")
def create_markov_filter() -> Response:
    """Filtered regime probabilities of the posted series under the posted (fitted) parameters, the newest
    ``rows`` of them when asked, and the smoothed ones (hindsight) when asked; no fit."""
    request = parse_body(MarkovFilterRequest)
    params = params_from_document(request.params)
    values = np.asarray(request.values, dtype=float)
    result = markov_filter(values, params, _exog(request.exog), smooth=request.smoothed)
    nobs = len(result.filtered)
    shown = slice(nobs - min(request.rows or nobs, nobs), None)
    filtered, smoothed = result.filtered[shown], None if result.smoothed is None else result.smoothed[shown]
    _require_finite(result.llf, filtered, *([] if smoothed is None else [smoothed]))
    return jsonify(
        nobs=nobs,
        start=len(values) - len(filtered),
        llf=result.llf,
        filtered=filtered.tolist(),
        smoothed=None if smoothed is None else smoothed.tolist(),
    )


def params_document(params: MarkovParams) -> dict[str, Any]:
    """The contract's ``params`` for fitted parameters."""
    durations = params.expected_durations
    return {
        "transition": params.transition.tolist(),
        "regimes": [
            {
                "mean": None if params.mean is None else float(params.mean[j]),
                "exog": params.exog[j].tolist(),
                "variance": float(params.variance[j]),
                "expected_duration": float(durations[j]) if np.isfinite(durations[j]) else None,
            }
            for j in range(params.k_regimes)
        ],
        "ar": params.ar.tolist(),
    }


def params_from_document(document: ParamsDocument) -> MarkovParams:
    """Fitted parameters from the contract's ``params`` (rows of the transition matrix renormalised)."""
    transition = np.asarray(document.transition, dtype=float)
    regimes = document.regimes
    return MarkovParams(
        transition=transition / transition.sum(axis=1, keepdims=True),
        mean=None if regimes[0].mean is None else np.array([r.mean for r in regimes], dtype=float),
        exog=np.array([r.exog for r in regimes], dtype=float).reshape(len(regimes), -1),
        variance=np.array([r.variance for r in regimes], dtype=float),
        ar=np.asarray(document.ar, dtype=float),
    )


def _exog(rows: list[list[float]] | None) -> np.ndarray | None:
    return np.asarray(rows, dtype=float) if rows else None


def _invalid(field: str, message: str) -> InvalidBody:
    return InvalidBody([{"loc": (field,), "msg": message}])


def _require_finite(llf: float, *arrays: np.ndarray) -> None:
    """A 422, not a body with NaN in it, when the numbers did not come out finite."""
    if not np.isfinite(llf) or not all(np.all(np.isfinite(array)) for array in arrays):
        raise _invalid("values", "the likelihood of these values is not finite under this model")
