"""Regimes across services.

flask_regime ``POST /regime`` takes a RegimeRequest and answers a RegimeResponse; fastapi_market
``GET /regime/{symbol}`` answers a MarketRegime built from it, which django_core records as a
RegimeSnapshot. ``GET /check-regime`` answers a CheckRegimeResponse.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from apps.common.contracts.market import Adjust

Trend = Literal["bull", "bear", "sideways"]
Volatility = Literal["low", "normal", "high"]
MAX_CLOSES = 200_000


class CheckRegimeResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["flask_regime running"]


class RegimeParams(BaseModel):
    """How regimes are read from closes (see the README's "Regime method")."""

    model_config = ConfigDict(extra="forbid")

    fast_window: int = Field(20, ge=2, le=500, description="bars in the fast simple moving average")
    slow_window: int = Field(50, ge=3, le=1000, description="bars in the slow simple moving average")
    trend_band: float = Field(0.01, ge=0, le=0.5, description="fast/slow − 1 beyond ±band is bull/bear")
    vol_window: int = Field(20, ge=2, le=500, description="bars of log returns in the rolling volatility")
    periods_per_year: int = Field(252, ge=1, le=525_600, description="annualises volatility (252 for daily bars)")
    vol_low: float = Field(0.15, gt=0, le=10, description="annualised volatility below this is low")
    vol_high: float = Field(0.35, gt=0, le=10, description="annualised volatility above this is high")

    @model_validator(mode="after")
    def check_order(self) -> RegimeParams:
        if self.fast_window >= self.slow_window:
            raise ValueError("fast_window must be smaller than slow_window")
        if self.vol_low >= self.vol_high:
            raise ValueError("vol_low must be smaller than vol_high")
        return self

    @property
    def min_closes(self) -> int:
        """Closes needed for the latest bar to have both regimes."""
        return max(self.slow_window, self.vol_window + 1)


class RegimeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closes: list[float] = Field(min_length=1, max_length=MAX_CLOSES, description="closing prices, oldest first")
    timestamps: list[AwareDatetime] | None = Field(None, description="one per close, strictly increasing")
    params: RegimeParams = Field(default_factory=RegimeParams)
    include_bars: bool = Field(True, description="answer every bar, not only the latest")

    @field_validator("closes")
    @classmethod
    def check_closes(cls, closes: list[float]) -> list[float]:
        bad = next((i for i, c in enumerate(closes) if not math.isfinite(c) or c <= 0), None)
        if bad is not None:
            raise ValueError(f"every close must be a finite number above 0 (index {bad} is {closes[bad]})")
        return closes

    @model_validator(mode="after")
    def check_lengths(self) -> RegimeRequest:
        if len(self.closes) < self.params.min_closes:
            raise ValueError(
                f"{len(self.closes)} closes are too few: these parameters need at least {self.params.min_closes}"
            )
        if self.timestamps is not None:
            if len(self.timestamps) != len(self.closes):
                raise ValueError(f"{len(self.timestamps)} timestamps for {len(self.closes)} closes")
            if any(b <= a for a, b in itertools.pairwise(self.timestamps)):
                raise ValueError("timestamps must be strictly increasing")
        return self


class RegimeBar(BaseModel):
    """One bar's regimes and the features behind them; None until the windows are filled."""

    ts: datetime | None = None
    close: float
    trend: Trend | None
    volatility: Volatility | None
    sma_fast: float | None
    sma_slow: float | None
    trend_spread: float | None = Field(description="sma_fast / sma_slow − 1")
    annual_volatility: float | None


class RegimeResponse(BaseModel):
    params: RegimeParams
    latest: RegimeBar
    bars: list[RegimeBar] | None = Field(description="oldest first; null when include_bars was false")


class MarketRegime(BaseModel):
    """fastapi_market's answer for one symbol: the latest bar's regimes."""

    symbol: str
    timeframe: str
    as_of: datetime
    trend: Trend
    volatility: Volatility
    bars_used: int
    features: dict[str, float]
    params: RegimeParams
    adjust: Adjust = Field("none", description="the closes' adjustment for corporate actions")
    periods_per_year: int = Field(252, description="the bars per year that annualised the volatility")
