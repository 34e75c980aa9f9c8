"""The bench's figures: each one measured beside its baseline from the same run, and its goal;
how much one run measures (Scale); how the bench says what it does and why it stopped."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CONNECTIONS = 32  # wrk's connections for a throughput figure


class BenchError(Exception):
    """The bench cannot go on; the message says why."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Scale:
    """How much of everything one run measures."""

    load_s: int  # seconds of wrk per throughput figure
    latency_s: int  # seconds of wrk at one connection per latency figure
    ingest_bars: int  # bars to send through POST /bars (stops early at ingest_budget_s)
    ingest_budget_s: float
    regime_bars: int  # daily bars of the symbol GET /regime/{symbol} reads
    engine_closes: int
    loop_closes: int
    rounds: int  # interleaved rounds of the relay figures (each keeps its best)
    read_load_s: int  # seconds of wrk per read-load figure
    short_series: int  # bars of the 1-minute series when its reads are first timed
    long_series: int  # ... and again
    page_through_bars: int  # ... then read whole, 1,000 bars a page
    series_count: int  # series stored for GET /series
    poll_periods: int  # dashboard poll periods of 20 tabs
    markov_filter_bars: int  # bars the Markov filter figures filter
    markov_repeat: int  # runs of each Markov figure (each keeps its best)


# fmt: off
FULL = Scale(load_s=4, latency_s=3, ingest_bars=105_000, ingest_budget_s=90, regime_bars=5_000,
             engine_closes=1_000_000, loop_closes=100_000, rounds=3, read_load_s=10,
             short_series=10_000, long_series=300_000, page_through_bars=500_000, series_count=1_000,
             poll_periods=6, markov_filter_bars=1_000_000, markov_repeat=3)
QUICK = Scale(load_s=1, latency_s=1, ingest_bars=2_000, ingest_budget_s=20, regime_bars=1_000,
              engine_closes=100_000, loop_closes=10_000, rounds=1, read_load_s=1,
              short_series=2_000, long_series=6_000, page_through_bars=8_000, series_count=50,
              poll_periods=2, markov_filter_bars=100_000, markov_repeat=1)
# fmt: on
BATCH = 1_000
INGEST_CLIENTS = 2  # one per FastAPI worker (FASTAPI_MARKET_WORKERS)
READ_LOAD_CONNECTIONS = 16


@dataclass
class Figure:
    """One row of the table: a measured value beside its baseline from the same run."""

    key: str
    label: str
    unit: str
    goal: str
    value: float | None = None
    baseline: float | None = None
    check: Callable[[Figure], bool] | None = None
    dev: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def measured(self) -> float:
        """The value, for a check (which runs once there is one); NaN before."""
        return math.nan if self.value is None else self.value

    @property
    def measured_ratio(self) -> float:
        """The ratio, for a check; NaN when there is none (no baseline), which meets no goal."""
        ratio = self.ratio
        return math.nan if ratio is None else ratio

    @property
    def met(self) -> bool | None:
        if self.value is None or self.check is None:
            return None
        return bool(self.check(self))

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "value": rounded(self.value),
            "baseline": rounded(self.baseline),
            "ratio": rounded(self.ratio),
            "goal": self.goal,
            "met": self.met,
            "unit": self.unit,
            "figure": self.label,
        }
        if self.dev is not None:
            entry["dev"] = {"value": rounded(self.dev)}
        entry.update(self.notes)
        return entry


def rounded(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 4) if abs(value) < 10 else round(value, 1)


def figures_new() -> dict[str, Figure]:
    rows = [
        Figure(
            "stack_ready",
            "s from honcho start to all three /health = 200",
            "s",
            "ratio ≤ 1.4",
            check=lambda f: f.measured_ratio <= 1.4,
        ),
        Figure(
            "relay_rps",
            f"/check-regime req/s at {CONNECTIONS} connections (vs hop-free ceiling: FastAPI "
            "/health/live and Flask /health alone)",
            "req/s",
            "ratio ≥ 0.6",
            check=lambda f: f.measured_ratio >= 0.6,
        ),
        Figure(
            "relay_vs_naive",
            "/check-regime req/s (vs naive relay: new connection per call)",
            "req/s",
            "ratio ≥ 3",
            check=lambda f: f.measured_ratio >= 3,
        ),
        Figure(
            "relay_p99_added_ms",
            "p99 /check-regime − p99 Flask /health (1 connection)",
            "ms",
            "≤ 5 ms",
            check=lambda f: f.measured <= 5,
        ),
        Figure(
            "ingest_bars_per_s",
            f"bars/s through POST /bars, batches of 1,000, {INGEST_CLIENTS} clients (vs raw "
            f"insert_many of one document per bar, {INGEST_CLIENTS} clients); medians of interleaved rounds",
            "bars/s",
            "ratio ≥ 1.5",
            check=lambda f: f.measured_ratio >= 1.5,
        ),
        Figure(
            "regime_engine_bars_per_s",
            "regime function bars/s (vs plain Python loop per bar)",
            "bars/s",
            "ratio ≥ 100 and ≥ 20M bars/s",
            check=lambda f: f.measured_ratio >= 100 and f.measured >= 20e6,
        ),
        Figure(
            "markov_fit_s",
            "s to fit 2 regimes with switching variance to 5,030 daily S&P 500 returns (vs statsmodels 0.15)",
            "s",
            "≤ 1 s",
            check=lambda f: f.measured <= 1,
        ),
        Figure(
            "markov_filter_1m_ms",
            "ms to filter 1,000,000 bars, 2 regimes, switching variance, given params (vs statsmodels' filter)",
            "ms",
            "≤ 200 ms",
            check=lambda f: f.measured <= 200,
        ),
        Figure(
            "markov_filter_1m_k3_ms",
            "the same with 3 regimes (vs statsmodels' filter)",
            "ms",
            "≤ 200 ms",
            check=lambda f: f.measured <= 200,
        ),
        Figure(
            "regime_endpoint_p50_ms",
            "GET /regime/{symbol}?lookback=5000 p50, daily bars (vs regime function alone)",
            "ms",
            "p50 ≤ 400 ms",
            check=lambda f: f.measured <= 400,
        ),
        Figure(
            "regime_markov_ms",
            "GET /regime/{symbol}?method=markov p50, 5,000 daily S&P 500 returns, parameters already fitted "
            "(vs the filter alone on them)",
            "ms",
            "p50 ≤ 50 ms",
            check=lambda f: f.measured <= 50,
        ),
        Figure(
            "series_length_scaling",
            "p50 of the first page of 100, the newest page of 100 and GET /regime over 5,000 bars of a "
            "1-minute series at 300,000 bars ÷ at 10,000: the largest of the three",
            "×",
            "each ≤ 1.2",
            check=lambda f: f.measured <= 1.2,
        ),
        Figure(
            "series_page_ms",
            "GET /bars first page of 100 p50, a 300,000-bar series (vs at 10,000 bars)",
            "ms",
            "p50 ≤ 15 ms",
            check=lambda f: f.measured <= 15,
        ),
        Figure(
            "series_regime_ms",
            "GET /regime over 5,000 bars p50, a 300,000-bar 1-minute series (vs at 10,000 bars)",
            "ms",
            "p50 ≤ 25 ms",
            check=lambda f: f.measured <= 25,
        ),
        Figure(
            "adjusted_read_ratio",
            "p50 of a page of 100 and of GET /regime over 5,000 bars adjusted for splits and dividends ÷ the same "
            "reads as stored: the larger",
            "×",
            "each ≤ 1.2",
            check=lambda f: f.measured <= 1.2,
        ),
        Figure(
            "series_page_through_ms",
            "median ms of a page in the last tenth of reading a 500,000-bar series whole, 1,000 bars a page "
            "(vs in the first tenth); the total in its notes",
            "ms",
            "ratio ≤ 1.2: linear",
            check=lambda f: f.measured_ratio <= 1.2,
        ),
        Figure(
            "read_load_pages_rps",
            f"GET /bars/{{symbol}}?limit=100 req/s, wrk -c{READ_LOAD_CONNECTIONS}, 10 s client timeout",
            "req/s",
            "≥ 50 req/s, 0 timeouts, 0 5xx",
            check=lambda f: f.measured >= 50 and f.notes.get("timeouts") == 0 and f.notes.get("non_2xx") == 0,
        ),
        Figure(
            "read_load_regime_rps",
            f"GET /regime/{{symbol}} req/s, wrk -c{READ_LOAD_CONNECTIONS}, 10 s client timeout",
            "req/s",
            "≥ 20 req/s, 0 timeouts, 0 5xx",
            check=lambda f: f.measured >= 20 and f.notes.get("timeouts") == 0 and f.notes.get("non_2xx") == 0,
        ),
        Figure(
            "smoke_s",
            "scripts/smoke.py wall time (vs python -c pass + slowest check)",
            "s",
            "ratio ≤ 3",
            check=lambda f: f.measured_ratio <= 3,
        ),
        Figure(
            "frozen_flask_503_ms",
            "GET /check-regime until its 503 while Flask is frozen by SIGSTOP (vs FastAPI's read timeout to Flask)",
            "ms",
            "ratio ≤ 1.5",
            check=lambda f: f.measured_ratio <= 1.5,
        ),
        Figure(
            "stack_stop_s",
            "s from SIGTERM to honcho until every process of the stack exited (vs SERVER_GRACEFUL_TIMEOUT)",
            "s",
            "ratio ≤ 1",
            check=lambda f: f.measured_ratio <= 1,
        ),
        Figure(
            "idle_rss_mb",
            "RSS of the idle stack, all processes (vs bare hello apps)",
            "MB",
            "ratio ≤ 1.5",
            check=lambda f: f.measured_ratio <= 1.5,
        ),
        Figure(
            "series_summary_ms",
            "GET /series p50, 1,000 series stored (vs reading one series of 5,000 bars whole to count them)",
            "ms",
            "p50 ≤ 20 ms",
            check=lambda f: f.measured <= 20,
        ),
        Figure(
            "services_poll_calls",
            "/health calls made for 20 dashboard tabs polling /api/services/ (vs two per answer, uncached)",
            "calls",
            "≤ 2 per 5 s cache period (+ the window's edge)",
            check=lambda f: f.measured <= 2 * (f.notes["cache_periods"] + 1),
        ),
        Figure(
            "chart_draw_ms",
            "3,000 daily bars drawn in chromium, data in hand to chart drawn, dev stack (vs a bare uPlot line)",
            "ms",
            "≤ 1,000 ms",
            check=lambda f: f.measured <= 1000,
        ),
    ]
    return {row.key: row for row in rows}
