"""Markov-switching test data (tests/flask_regime/data/, sources named in each file) and statsmodels' models
of the same inputs, for the tests that compare with them."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from apps.common.contracts import MarkovFitRequest
from apps.flask_regime.markov.model import MarkovParams, MarkovSpec

DATA = Path(__file__).parent / "data"
PUBLISHED = ("hamilton_gnp", "stata_fedfunds", "stata_areturns")


@dataclass(frozen=True)
class PublishedCase:
    """A published model: its data, specification, parameters and log-likelihood, and (where published)
    one regime's filtered and smoothed probabilities."""

    name: str
    values: np.ndarray
    exog: np.ndarray | None
    spec: MarkovSpec
    params: MarkovParams
    llf: float
    regime: int | None
    filtered: np.ndarray | None
    smoothed: np.ndarray | None


def published_case(name: str) -> PublishedCase:
    doc = json.loads((DATA / f"{name}.json").read_text())
    model, published, raw = doc["model"], doc["published"], np.array(doc["values"], dtype=float)
    params = published["params"]
    k = model["k_regimes"]
    exog = None
    values = raw
    if model.get("exog") == "the previous value":
        values, exog = raw[1:], raw[:-1, None]
    spec = MarkovSpec(k, model["order"], model["trend"], model["switching_variance"], 0 if exog is None else 1)
    return PublishedCase(
        name=name,
        values=values,
        exog=exog,
        spec=spec,
        params=MarkovParams(
            transition=np.array(params["transition"]),
            mean=np.array(params["mean"]),
            exog=np.array(params.get("exog", [[]] * k), dtype=float).reshape(k, -1),
            variance=np.array(params["variance"]),
            ar=np.array(params["ar"], dtype=float),
        ),
        llf=published["llf"],
        regime=published.get("filtered_regime"),
        filtered=np.array(published["filtered"]) if "filtered" in published else None,
        smoothed=np.array(published["smoothed"]) if "smoothed" in published else None,
    )


def n_params(spec: MarkovSpec) -> int:
    """The model's free parameters, as the request contract counts them."""
    exog = [[0.0] * spec.n_exog] if spec.n_exog else None
    request = MarkovFitRequest.model_construct(
        values=[],
        k_regimes=spec.k_regimes,
        order=spec.order,
        trend=spec.trend,
        switching_variance=spec.switching_variance,
        exog=exog,
    )
    return request.n_params


def statsmodels_model(values: np.ndarray, spec: MarkovSpec, exog: np.ndarray | None = None) -> Any:
    """statsmodels' model of the same form: MarkovRegression without AR lags, else MarkovAutoregression
    with switching_ar=False (and switching exog coefficients, as ours)."""
    from statsmodels.tsa.regime_switching.markov_autoregression import MarkovAutoregression
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.order == 0:
            return MarkovRegression(
                values,
                k_regimes=spec.k_regimes,
                trend=spec.trend,
                exog=exog,
                switching_variance=spec.switching_variance,
            )
        return MarkovAutoregression(
            values,
            k_regimes=spec.k_regimes,
            order=spec.order,
            trend=spec.trend,
            exog=exog,
            switching_ar=False,
            switching_exog=True,
            switching_variance=spec.switching_variance,
        )


def statsmodels_params(model: Any, params: MarkovParams) -> np.ndarray:
    """Our parameters as statsmodels' vector for ``model``, read off its parameter names."""
    out = []
    for name in model.param_names:
        regime = int(match.group(1)) if (match := re.search(r"\[(\d+)\]$", name)) else 0
        if moved := re.fullmatch(r"p\[(\d+)->(\d+)\]", name):
            out.append(params.transition[int(moved.group(1)), int(moved.group(2))])
        elif name.startswith("const"):
            assert params.mean is not None
            out.append(params.mean[regime])
        elif column := re.match(r"x(\d+)", name):
            out.append(params.exog[regime, int(column.group(1)) - 1])
        elif name.startswith("sigma2"):
            out.append(params.variance[regime])
        elif lag := re.fullmatch(r"ar\.L(\d+)", name):
            out.append(params.ar[int(lag.group(1)) - 1])
        else:
            raise AssertionError(f"unknown statsmodels parameter {name}")
    return np.array(out)


def statsmodels_fit(values: np.ndarray, spec: MarkovSpec, exog: np.ndarray | None = None) -> Any:
    """statsmodels' own fit (its defaults), warnings silenced."""
    model = statsmodels_model(values, spec, exog)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False)


def random_params(rng: np.random.Generator, spec: MarkovSpec) -> MarkovParams:
    """Parameters of ``spec`` drawn at random: persistent regimes, distinct means and variances."""
    k = spec.k_regimes
    transition = 0.6 * np.eye(k) + 0.4 * rng.dirichlet(np.ones(k), size=k)
    return MarkovParams(
        transition=transition,
        mean=np.sort(rng.normal(0, 1.5, k)) if spec.trend == "c" else None,
        exog=rng.normal(0, 0.5, (k, spec.n_exog)),
        variance=rng.uniform(0.3, 3, k) if spec.switching_variance else np.full(k, rng.uniform(0.3, 3)),
        ar=rng.uniform(-0.3, 0.3, spec.order),
    )


def simulate(
    rng: np.random.Generator, params: MarkovParams, n: int, exog: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A series of ``n`` values from the model (and the regimes it went through)."""
    k, order = params.k_regimes, params.order
    regimes = np.empty(n, dtype=int)
    regimes[0] = rng.integers(k)
    for t in range(1, n):
        regimes[t] = rng.choice(k, p=params.transition[regimes[t - 1]])
    level = np.zeros(n) if params.mean is None else params.mean[regimes]
    if exog is not None:
        level = level + np.einsum("tq,tq->t", params.exog[regimes], exog)
    shocks = rng.normal(0, 1, n) * np.sqrt(params.variance[regimes])
    deviation = np.zeros(n)
    for t in range(n):
        deviation[t] = shocks[t] + sum(params.ar[i] * deviation[t - 1 - i] for i in range(min(order, t)))
    return level + deviation, regimes


def shape_id(shape: tuple) -> str:
    """A test id for a model shape (k_regimes, order, trend, switching_variance, exog columns)."""
    k, order, trend, switching, q = shape
    return f"k{k}-ar{order}-{trend}-{'sv' if switching else 'cv'}-x{q}"


def draw(shape: tuple, n: int, seed: int) -> tuple[MarkovSpec, MarkovParams, np.ndarray, np.ndarray | None]:
    """A model of ``shape`` with random parameters, and ``n`` values (and exog) simulated from it: the same
    for the same seed."""
    rng = np.random.default_rng(seed)
    spec = MarkovSpec(*shape)
    params = random_params(rng, spec)
    exog = rng.normal(size=(n, spec.n_exog)) if spec.n_exog else None
    values, _ = simulate(rng, params, n, exog)
    return spec, params, values, exog
