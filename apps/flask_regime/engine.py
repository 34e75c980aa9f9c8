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
    """Per-bar regimes and the features behind them.

    Regimes are kept as small integer codes (0 until the windows fill); ``trend`` and
    ``volatility`` turn them into labels (None before the windows fill) only when asked, since
    building a million Python-object labels costs more than the maths.
    """

    trend_code: np.ndarray
    volatility_code: np.ndarray
    sma_fast: np.ndarray
    sma_slow: np.ndarray
    trend_spread: np.ndarray
    annual_volatility: np.ndarray

    @property
    def trend(self) -> np.ndarray:
        labels: np.ndarray = TREND_LABELS[self.trend_code]
        return labels

    @property
    def volatility(self) -> np.ndarray:
        labels: np.ndarray = VOLATILITY_LABELS[self.volatility_code]
        return labels

    def labels_from(self, start: int) -> tuple[list[str | None], list[str | None]]:
        """Trend and volatility labels of the bars from ``start`` on."""
        return TREND_LABELS[self.trend_code[start:]].tolist(), VOLATILITY_LABELS[self.volatility_code[start:]].tolist()


def window_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums of every full trailing window: ``len(values) - window + 1`` of them, from cumulative sums."""
    sums = np.cumsum(values)
    out = np.empty(len(values) - window + 1)
    out[0] = sums[window - 1]
    np.subtract(sums[window:], sums[:-window], out=out[1:])
    return out


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` values; NaN until the window is full."""
    out = np.full(values.shape, np.nan)
    if len(values) >= window:
        np.divide(window_sums(values, window), window, out=out[window - 1 :])
    return out


def rolling_std(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sample standard deviation over ``window`` values; NaN until the window is full."""
    out = np.full(values.shape, np.nan)
    if len(values) >= window:
        centred = values - values.mean()  # keeps the sums of squares small
        sums = window_sums(centred, window)
        np.multiply(centred, centred, out=centred)
        variance = window_sums(centred, window)  # sum of squares − sum² / n, over n − 1:
        sums *= sums
        sums /= window
        variance -= sums
        np.maximum(variance, 0.0, out=variance)
        variance /= window - 1
        np.sqrt(variance, out=out[window - 1 :])
    return out


def _codes(
    values: np.ndarray, below: float, above: float, code_below: int, code_between: int, code_above: int
) -> np.ndarray:
    """``code_below`` where values < below, ``code_above`` where > above, ``code_between`` else; 0 where NaN.

    Built from comparisons as int8 arithmetic (comparisons with NaN are false), which is several
    times faster than assigning through boolean masks.
    """
    codes: np.ndarray = np.equal(values, values).view(np.int8) * np.int8(code_between)  # 0 where NaN
    codes += np.less(values, below).view(np.int8) * np.int8(code_below - code_between)
    codes += np.greater(values, above).view(np.int8) * np.int8(code_above - code_between)
    return codes


def regimes_detect(closes: np.ndarray, params: RegimeParams) -> RegimeSeries:
    """Trend and volatility regimes for every bar of ``closes`` (positive, oldest first)."""
    closes = np.asarray(closes, dtype=float)
    sma_fast = rolling_mean(closes, params.fast_window)
    sma_slow = rolling_mean(closes, params.slow_window)
    spread = sma_fast / sma_slow
    spread -= 1.0

    returns = np.diff(np.log(closes))
    annual_volatility = np.empty(closes.shape)
    annual_volatility[:1] = np.nan
    annual_volatility[1:] = rolling_std(returns, params.vol_window)
    annual_volatility *= np.sqrt(params.periods_per_year)

    return RegimeSeries(
        trend_code=_codes(spread, -params.trend_band, params.trend_band, 2, 3, 1),
        volatility_code=_codes(annual_volatility, params.vol_low, params.vol_high, 1, 2, 3),
        sma_fast=sma_fast,
        sma_slow=sma_slow,
        trend_spread=spread,
        annual_volatility=annual_volatility,
    )
