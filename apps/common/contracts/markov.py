"""Markov-switching regimes across services (Hamilton 1989; see docs/architecture.md, "Markov-switching regimes").

flask_regime ``POST /regime/markov`` takes a MarkovFitRequest and answers a MarkovFitResponse: the
maximum-likelihood fit, with filtered and smoothed regime probabilities. ``POST /regime/markov/filter``
takes a MarkovFilterRequest (a series and the ``params`` of an earlier fit) and answers a
MarkovFilterResponse: filtered probabilities only, with no fit, none of which uses a later value.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_FIT_VALUES = 100_000
MAX_FILTER_VALUES = 200_000
MAX_EXOG_COLUMNS = 5
MAX_ABS_VALUE = 1e15
MIN_OBSERVATIONS_PER_PARAM = 5
# What a fit costs grows with observations × joint regimes (k^(order+1)) × parameters, a filter pass with
# observations × joint regimes: bounds that keep a fit to seconds (docs/performance.md).
MAX_FIT_WORK = 1_000_000
MAX_FILTER_WORK = 2_000_000


def _check_numbers(values: list[float], name: str) -> list[float]:
    bad = next((i for i, v in enumerate(values) if not math.isfinite(v) or abs(v) > MAX_ABS_VALUE), None)
    if bad is not None:
        raise ValueError(
            f"every {name} must be a finite number within ±{MAX_ABS_VALUE:g} (index {bad} is {values[bad]})"
        )
    return values


def _check_exog(exog: list[list[float]] | None) -> list[list[float]] | None:
    if exog is None:
        return None
    widths = {len(row) for row in exog}
    if len(widths) > 1:
        raise ValueError(f"every exog row must have the same number of regressors (found {sorted(widths)})")
    width = widths.pop() if widths else 0
    if not 1 <= width <= MAX_EXOG_COLUMNS:
        raise ValueError(f"each exog row holds 1 to {MAX_EXOG_COLUMNS} regressors, not {width}")
    for index, row in enumerate(exog):
        bad = next((j for j, v in enumerate(row) if not math.isfinite(v) or abs(v) > MAX_ABS_VALUE), None)
        if bad is not None:
            raise ValueError(
                f"exog[{index}][{bad}] is {row[bad]}: every regressor must be a finite number within ±{MAX_ABS_VALUE:g}"
            )
    return exog


def _check_exog_rows(exog: list[list[float]] | None, values: list[float]) -> None:
    if exog is not None and len(exog) != len(values):
        raise ValueError(f"exog has {len(exog)} rows for {len(values)} values: give one row of regressors per value")


class _SeriesRequest(BaseModel):
    """A request that sends a series (``values``) and, optionally, its regressors (``exog``): both checked
    alike, whichever request declares them."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("values", check_fields=False)
    @classmethod
    def check_values(cls, values: list[float]) -> list[float]:
        return _check_numbers(values, "value")

    @field_validator("exog", check_fields=False)
    @classmethod
    def check_exog(cls, exog: list[list[float]] | None) -> list[list[float]] | None:
        return _check_exog(exog)


class MarkovFitRequest(_SeriesRequest):
    """A series and the Markov-switching model to fit to it."""

    values: list[float] = Field(
        min_length=1, max_length=MAX_FIT_VALUES, description="the series, oldest first (returns, growth rates, rates)"
    )
    k_regimes: int = Field(2, ge=2, le=4, description="how many regimes")
    order: int = Field(0, ge=0, le=4, description="autoregressive lags; their coefficients do not switch")
    switching_variance: bool = Field(False, description="a variance per regime, rather than one for all")
    trend: Literal["c", "n"] = Field("c", description='"c": a switching intercept (mean); "n": none')
    exog: list[list[float]] | None = Field(
        None, description=f"regressors with switching coefficients: one row of 1 to {MAX_EXOG_COLUMNS} per value"
    )

    @property
    def n_exog(self) -> int:
        return len(self.exog[0]) if self.exog else 0

    @property
    def n_params(self) -> int:
        """Free parameters: transitions, switching intercepts and exog coefficients, AR coefficients, variances."""
        k = self.k_regimes
        return (
            k * (k - 1) + k * ((self.trend == "c") + self.n_exog) + self.order + (k if self.switching_variance else 1)
        )

    @model_validator(mode="after")
    def check_model(self) -> MarkovFitRequest:
        _check_exog_rows(self.exog, self.values)
        if self.trend == "n" and not self.exog and not self.switching_variance:
            raise ValueError('nothing switches: with trend "n" and no exog, set switching_variance to true')
        used = len(self.values) - self.order
        needed = MIN_OBSERVATIONS_PER_PARAM * self.n_params
        joint = self.k_regimes ** (self.order + 1)
        if needed * joint * self.n_params > MAX_FIT_WORK:
            raise ValueError(
                f"this model is too large to fit here (k_regimes={self.k_regimes}, order={self.order}, "
                f"{self.n_exog} exog columns): use fewer regimes, lags or regressors"
            )
        if used < needed:
            raise ValueError(
                f"{len(self.values)} values are too few for this model: its {self.n_params} parameters need at least "
                f"{needed + self.order} ({MIN_OBSERVATIONS_PER_PARAM} observations each, after {self.order} lags)"
            )
        if used * joint * self.n_params > MAX_FIT_WORK:
            most = MAX_FIT_WORK // (joint * self.n_params) + self.order
            raise ValueError(
                f"too much to fit at once: this model tracks {joint} joint regimes per observation (k_regimes="
                f"{self.k_regimes}, order={self.order}) and has {self.n_params} parameters, so it takes at most "
                f"{most} values, not {len(self.values)}"
            )
        return self


class MarkovRegime(BaseModel):
    """One regime's parameters."""

    model_config = ConfigDict(extra="forbid")

    mean: float | None = Field(
        description='μ: the regime\'s mean without exog, its intercept with exog; null with trend "n"'
    )
    exog: list[float] = Field(description="β: the regime's coefficient on each exog column ([] without exog)")
    variance: float = Field(gt=0, description="σ²: the variance of the regime's shocks")
    expected_duration: float | None = Field(
        None, description="1 / (1 − p_jj): how many observations a spell lasts on average; null when never left"
    )


class MarkovParams(BaseModel):
    """A fitted model's parameters, in the series' units; POST them back to /regime/markov/filter."""

    model_config = ConfigDict(extra="forbid")

    transition: list[list[float]] = Field(
        description="transition[i][j] = P(regime j at t | regime i at t−1); each row sums to 1"
    )
    regimes: list[MarkovRegime] = Field(description="regime 0 first; numbered by variance, else mean, ascending")
    ar: list[float] = Field(max_length=4, description="φ_1 … φ_order: the AR coefficients (they do not switch)")

    @model_validator(mode="after")
    def check_shape(self) -> MarkovParams:
        k = len(self.regimes)
        if not 2 <= k <= 4 or len(self.transition) != k or any(len(row) != k for row in self.transition):
            raise ValueError("transition must be k × k for k = len(regimes), 2 to 4")
        for i, row in enumerate(self.transition):
            if any(not 0 <= p <= 1 for p in row) or abs(sum(row) - 1) > 1e-6:
                raise ValueError(f"transition row {i} must hold probabilities that sum to 1")
        if len({regime.mean is None for regime in self.regimes}) > 1:
            raise ValueError('either every regime has a mean (trend "c") or none has')
        if len({len(regime.exog) for regime in self.regimes}) > 1:
            raise ValueError("every regime needs one coefficient per exog column")
        numbers = [self.ar, *([r.mean or 0.0, r.variance, *r.exog] for r in self.regimes)]
        if not all(math.isfinite(v) for group in numbers for v in group):
            raise ValueError("every parameter must be a finite number")
        if self.regimes[0].mean is None and not self.regimes[0].exog and len({r.variance for r in self.regimes}) == 1:
            raise ValueError("nothing switches: the regimes have the same parameters")
        return self


class MarkovFitResponse(BaseModel):
    """The fit: the model, its log-likelihood and parameters, and per observation from ``start`` on the
    probability of each regime given the data up to it (``filtered``) and given all of it (``smoothed``)."""

    k_regimes: int
    order: int
    trend: Literal["c", "n"]
    switching_variance: bool
    nobs: int = Field(description="observations the likelihood counts: len(values) − order")
    start: int = Field(description="the index in values of the first row of filtered and smoothed (= order)")
    llf: float = Field(description="the maximised log-likelihood")
    converged: bool = Field(description="false when the optimiser stopped before its convergence test held")
    params: MarkovParams
    filtered: list[list[float]] = Field(description="one row of k probabilities per observation from start on")
    smoothed: list[list[float]] = Field(description="one row of k probabilities per observation from start on")


class MarkovFilterRequest(_SeriesRequest):
    """A series (and its exog) to filter with the parameters of an earlier fit."""

    values: list[float] = Field(min_length=1, max_length=MAX_FILTER_VALUES, description="the series, oldest first")
    exog: list[list[float]] | None = Field(None, description="one row of regressors per value, as in the fit")
    params: MarkovParams
    rows: int | None = Field(
        None, ge=1, description="answer only the newest this many rows (all by default); llf still counts every one"
    )
    smoothed: bool = Field(
        False, description="also P(regime j at t | every value): hindsight, each row uses the values after it"
    )

    @model_validator(mode="after")
    def check_model(self) -> MarkovFilterRequest:
        _check_exog_rows(self.exog, self.values)
        n_exog = len(self.params.regimes[0].exog)
        if (len(self.exog[0]) if self.exog else 0) != n_exog:
            raise ValueError(f"these params take {n_exog} exog columns: send exog with that many per row")
        order, joint = len(self.params.ar), len(self.params.regimes) ** (len(self.params.ar) + 1)
        if len(self.values) <= order:
            raise ValueError(f"{len(self.values)} values are too few: an AR model of order {order} needs more")
        if (len(self.values) - order) * joint > MAX_FILTER_WORK:
            raise ValueError(f"too much to filter at once: at most {MAX_FILTER_WORK // joint + order} values here")
        return self


class MarkovFilterResponse(BaseModel):
    """Per observation from ``start`` on, P(regime j | values up to it); and the log-likelihood."""

    nobs: int = Field(description="observations the likelihood counts: len(values) − order")
    start: int = Field(description="the index in values of the first row (order, or later when rows was sent)")
    llf: float
    filtered: list[list[float]] = Field(description="one row of k probabilities per observation from start on")
    smoothed: list[list[float]] | None = Field(
        None, description="when asked: one row per observation from start on, given every value (hindsight)"
    )
