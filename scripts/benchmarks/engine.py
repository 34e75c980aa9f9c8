"""The regime function's throughput beside the same method as a plain Python loop over bars."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scripts.benchmarks.figures import BenchError, Figure, Scale, say

if TYPE_CHECKING:
    from apps.common.contracts import RegimeParams


def closes_random_walk(count: int, seed: int = 5) -> list[float]:
    rng = random.Random(seed)
    price, closes = 100.0, list[float]()
    for _ in range(count):
        price *= math.exp(rng.gauss(0.0003, 0.015))
        closes.append(round(price, 4))
    return closes


def regimes_python_loop(closes: list[float], params: RegimeParams) -> tuple[list[str | None], list[str | None]]:
    """The regime method written as a plain Python loop over bars: each bar's windows summed afresh."""
    fast, slow, vol_n = params.fast_window, params.slow_window, params.vol_window
    returns = [0.0] + [math.log(closes[i] / closes[i - 1]) for i in range(1, len(closes))]
    trends: list[str | None] = []
    vols: list[str | None] = []
    for i in range(len(closes)):
        trend: str | None = None
        vol: str | None = None
        if i >= slow - 1:
            spread = (sum(closes[i - fast + 1 : i + 1]) / fast) / (sum(closes[i - slow + 1 : i + 1]) / slow) - 1.0
            trend = "bull" if spread > params.trend_band else "bear" if spread < -params.trend_band else "sideways"
        if i >= vol_n:
            window = returns[i - vol_n + 1 : i + 1]
            mean = sum(window) / vol_n
            variance = sum((r - mean) ** 2 for r in window) / (vol_n - 1)
            annual = math.sqrt(variance * params.periods_per_year)
            vol = "low" if annual < params.vol_low else "high" if annual > params.vol_high else "normal"
        trends.append(trend)
        vols.append(vol)
    return trends, vols


def best_seconds(run: Callable[[], Any], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def measure_engine(fig: Figure, scale: Scale) -> None:
    import numpy as np

    from apps.common.contracts import RegimeParams
    from apps.flask_regime.engine import regimes_detect

    params = RegimeParams()
    closes = np.array(closes_random_walk(scale.engine_closes))
    engine_s = best_seconds(lambda: regimes_detect(closes, params), 3)
    small = closes_random_walk(scale.loop_closes)
    loop_s = best_seconds(lambda: regimes_python_loop(small, params), 3)
    # Same method, same answers: the baseline must not be a different (cheaper) computation.
    trends, _ = regimes_python_loop(small, params)
    agree = np.mean(regimes_detect(np.array(small), params).trend == np.array(trends, dtype=object))
    if agree < 0.999:
        raise BenchError(f"the plain-Python regime loop disagrees with the engine on {1 - agree:.2%} of bars")
    fig.value = scale.engine_closes / engine_s
    fig.baseline = scale.loop_closes / loop_s
    fig.notes.update(closes=scale.engine_closes, baseline_closes=scale.loop_closes)
    say(f"  engine {fig.value / 1e6:.1f} M bars/s; plain loop {fig.baseline / 1e6:.2f} M bars/s")
