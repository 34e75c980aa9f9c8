"""Bars as columns: a slice of one series as NumPy arrays, what the store reads and writes and
the reads adjust and answer with.

``ts`` is the bars' open time in epoch milliseconds (int64, strictly increasing); ``values`` holds
open, high, low, close and volume, one row per bar (float64).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

import numpy as np

from apps.common.contracts import Bar
from apps.common.contracts.market import BarFields, Timeframe

VALUES = ("open", "high", "low", "close", "volume")
CLOSE = VALUES.index("close")
_values_of = attrgetter(*VALUES)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
MS = np.dtype("<i8")
VALUE = np.dtype("<f8")


def to_ms(ts: datetime) -> int:
    """Epoch milliseconds, in integers all the way (a float would round some timestamps)."""
    return (ts - EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


UTC_MS = (to_ms(datetime.min.replace(tzinfo=UTC)), to_ms(datetime.max.replace(tzinfo=UTC)))  # what from_ms takes


def series_name(symbol: str, timeframe: str) -> str:
    return f"{symbol}:{timeframe}"


@dataclass(frozen=True)
class Columns:
    """Bars of one series, oldest first: ``ts`` (n,) int64 ms and ``values`` (n, 5) float64."""

    ts: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def empty(cls) -> Columns:
        return cls(np.empty(0, MS), np.empty((0, len(VALUES)), VALUE))

    @classmethod
    def of_bars(cls, bars: Sequence[BarFields]) -> Columns:
        """The columns of ``bars`` (one series), sorted by time (``ts`` to the millisecond; of two with one
        ``ts``, the first comes first)."""
        ts = np.array([to_ms(bar.ts) for bar in bars], dtype=MS)
        values = np.array([_values_of(bar) for bar in bars], dtype=VALUE)
        order = np.argsort(ts, kind="stable")
        return cls(ts[order], values[order].reshape(len(bars), len(VALUES)))

    @classmethod
    def by_series(cls, bars: Sequence[BarFields]) -> dict[str, Columns]:
        """The columns of each series of ``bars``, by name (``AAPL:1d``)."""
        groups: dict[str, list[BarFields]] = {}
        for bar in bars:
            groups.setdefault(series_name(bar.symbol, bar.timeframe), []).append(bar)
        return {name: cls.of_bars(group) for name, group in groups.items()}

    @classmethod
    def concat(cls, parts: list[Columns]) -> Columns:
        """Parts of one series that follow each other in time, as one."""
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.ts for p in parts]), np.concatenate([p.values for p in parts]))

    def take(self, selection: slice | np.ndarray) -> Columns:
        return Columns(self.ts[selection], self.values[selection])

    def between(self, lo_ms: int, hi_ms: int) -> Columns:
        """The bars with ``lo_ms <= ts <= hi_ms``."""
        first = int(np.searchsorted(self.ts, lo_ms, side="left"))
        return self.take(slice(first, int(np.searchsorted(self.ts, hi_ms, side="right"))))

    def bars(self, symbol: str, timeframe: Timeframe) -> list[Bar]:
        """The bars as contract models (``model_construct``: every value was validated on the way in)."""
        rows = self.values.tolist()
        return [
            Bar.model_construct(
                symbol=symbol, timeframe=timeframe, ts=from_ms(ms), **dict(zip(VALUES, row, strict=True))
            )
            for ms, row in zip(self.ts.tolist(), rows, strict=True)
        ]
