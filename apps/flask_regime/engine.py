"""Regime detection: trend from two moving averages, volatility from realised volatility.

Vectorised with NumPy: every step works on whole arrays, none loops over bars in Python.
Deterministic: the same closes and parameters always give the same regimes.

- Trend: ``spread = SMA_fast / SMA_slow − 1``; bull above ``+trend_band``, bear below
  ``−trend_band``, sideways between (a moving-average crossover trend filter).
- Volatility: the sample standard deviation of log returns over ``vol_window`` bars, annualised
  by ``√periods_per_year``; low below ``vol_low``, high above ``vol_high``, normal between.

A bar's regime is None until its windows are filled; every input is trailing (no look-ahead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apps.common.contracts import RegimeParams

TREND_LABELS = np.array([None, "bull", "bear", "sideways"], dtype=object)
VOLATILITY_LABELS = np.array([None, "low", "normal", "high"], dtype=object)


@dataclass(frozen=True)
class RegimeSeries:
    """Per-bar regimes (label arrays, None before the windows fill) and the features behind them."""

    trend: np.ndarray
    volatility: np.ndarray
    sma_fast: np.ndarray
    sma_slow: np.ndarray
    trend_spread: np.ndarray
    annual_volatility: np.ndarray


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` values; NaN until the window is full."""
    out = np.full(values.shape, np.nan)
    if len(values) >= window:
        sums = np.cumsum(np.concatenate(([0.0], values)))
        out[window - 1 :] = (sums[window:] - sums[:-window]) / window
    return out


def rolling_std(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sample standard deviation over ``window`` values; NaN until the window is full."""
    centred = values - values.mean() if len(values) else values  # keeps the sums of squares small
    mean = rolling_mean(centred, window)
    mean_of_squares = rolling_mean(centred * centred, window)
    variance = np.maximum(mean_of_squares - mean * mean, 0.0) * window / (window - 1)
    return np.sqrt(variance)


def regimes_detect(closes: np.ndarray, params: RegimeParams) -> RegimeSeries:
    """Trend and volatility regimes for every bar of ``closes`` (positive, oldest first)."""
    closes = np.asarray(closes, dtype=float)
    sma_fast = rolling_mean(closes, params.fast_window)
    sma_slow = rolling_mean(closes, params.slow_window)
    spread = sma_fast / sma_slow - 1.0

    returns = np.diff(np.log(closes))
    annual_volatility = np.concatenate(([np.nan], rolling_std(returns, params.vol_window))) * np.sqrt(
        params.periods_per_year
    )

    trend_code = np.select(
        [spread > params.trend_band, spread < -params.trend_band, np.isfinite(spread)], [1, 2, 3], default=0
    )
    volatility_code = np.select(
        [annual_volatility < params.vol_low, annual_volatility > params.vol_high, np.isfinite(annual_volatility)],
        [1, 3, 2],
        default=0,
    )
    return RegimeSeries(
        trend=TREND_LABELS[trend_code],
        volatility=VOLATILITY_LABELS[volatility_code],
        sma_fast=sma_fast,
        sma_slow=sma_slow,
        trend_spread=spread,
        annual_volatility=annual_volatility,
    )
