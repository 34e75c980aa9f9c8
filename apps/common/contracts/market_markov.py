"""Markov-switching volatility regimes of a stored series, as fastapi_market gives them.

``GET /regime/{symbol}?method=markov`` and ``POST /regime/{symbol}/fit`` answer a MarkovMarketRegime,
which django_core records as a RegimeSnapshot of method ``markov``. The probabilities of the latest
bar are filtered ones: none of them uses a later bar. Smoothed probabilities, given every bar up to
``as_of``, come only per bar and only when asked, as hindsight.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from apps.common.contracts.market import Adjust
from apps.common.contracts.regime import Volatility

# The regimes' names, calmest first (the fit numbers its regimes by variance, ascending).
REGIME_NAMES: dict[int, tuple[Volatility, ...]] = {2: ("low", "high"), 3: ("low", "normal", "high")}


class MarkovVolatilityRegime(BaseModel):
    """One regime of the fitted model, in the series' log returns."""

    name: Volatility = Field(description="low, (normal,) high: the regimes by their variance, ascending")
    annual_volatility: float = Field(description="σ_j × √periods_per_year: the regime's volatility, annualised")
    mean_return: float = Field(description="μ_j: the regime's mean log return per bar")
    expected_duration_bars: float | None = Field(
        description="1 / (1 − p_jj): how many bars a spell of the regime lasts on average; null when never left"
    )


class MarkovFitRecord(BaseModel):
    """The fit the probabilities come from, and the data it was made on."""

    fitted_at: datetime
    data_version: int = Field(description="the series store's version (commit number) the fit read its bars at")
    series_bars: int = Field(description="bars the series held at that version")
    returns: int = Field(description="log returns the fit used: the series' newest, at most 10,000")
    first_ts: datetime = Field(description="the bar of the fit's first return (its close over the one before)")
    last_ts: datetime = Field(description="the bar of the fit's last return")
    llf: float = Field(description="the maximised log-likelihood")
    converged: bool
    transition: list[list[float]] = Field(description="transition[i][j] = P(regime j at t | regime i at t−1)")
    refitted: bool = Field(description="true when this request made the fit")
    reason: str | None = Field(
        description="why this request fitted: no fit yet, enough new bars, the fitted bars changed, or asked"
    )


class MarkovBarProbabilities(BaseModel):
    """One bar's regime probabilities, in the order of ``regimes``."""

    ts: datetime
    filtered: list[float] = Field(description="P(regime j at ts | bars up to ts): what was knowable then")
    smoothed_hindsight: list[float] | None = Field(
        None, description="when asked: P(regime j at ts | every bar up to as_of), hindsight that uses later bars"
    )


class MarkovMarketRegime(BaseModel):
    """A symbol's volatility regime from a Markov-switching model of its adjusted log returns."""

    symbol: str
    timeframe: str
    method: Literal["markov"] = "markov"
    adjust: Adjust = Field(description="the closes' adjustment for corporate actions")
    as_of: datetime = Field(description="the latest bar")
    k_regimes: int = Field(description="2 or 3 regimes, each with its own variance and mean")
    periods_per_year: int = Field(description="the bars per year that annualised the volatilities")
    volatility: Volatility = Field(description="the latest bar's most probable regime, by its filtered probabilities")
    probabilities: list[float] = Field(description="P(regime j at as_of | bars up to as_of), in the order of regimes")
    high_volatility: float = Field(description="P(the most volatile regime at as_of | bars up to as_of)")
    regimes: list[MarkovVolatilityRegime]
    fit: MarkovFitRecord
    bars_filtered: int = Field(description="bars the filter ran over: from the fit's first return to the latest bar")
    bars: list[MarkovBarProbabilities] | None = Field(
        None, description="oldest first, when asked (bars=true): the newest `lookback`, or every filtered bar"
    )
