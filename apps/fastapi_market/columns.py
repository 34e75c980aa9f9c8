"""Bars as columns: a series' slice as NumPy arrays, how a batch merges into it, and how a chunk of it
is packed into one MongoDB document and back.

``ts`` is the bars' open time in epoch milliseconds (int64, strictly increasing); ``values`` holds
open, high, low, close and volume, one row per bar (float64). A packed chunk stores ``ts`` as
differences and the values column by column, each compressed with zlib: a chunk of a few thousand
bars is a document of tens of kilobytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import numpy as np
from bson.binary import Binary

from apps.common.contracts import Bar
from apps.common.contracts.market import Timeframe

VALUES = ("open", "high", "low", "close", "volume")
CLOSE = VALUES.index("close")
_values_of = attrgetter(*VALUES)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_MS = np.dtype("<i8")
_VALUE = np.dtype("<f8")


def to_ms(ts: datetime) -> int:
    """Epoch milliseconds, in integers all the way (a float would round some timestamps)."""
    return (ts - EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True)
class Columns:
    """Bars of one series, oldest first: ``ts`` (n,) int64 ms and ``values`` (n, 5) float64."""

    ts: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def empty(cls) -> Columns:
        return cls(np.empty(0, _MS), np.empty((0, len(VALUES)), _VALUE))

    @classmethod
    def of_bars(cls, bars: list[Bar]) -> Columns:
        """The columns of ``bars`` (one series, no two with the same ``ts``), sorted by time."""
        ts = np.array([to_ms(bar.ts) for bar in bars], dtype=_MS)
        values = np.array([_values_of(bar) for bar in bars], dtype=_VALUE)
        order = np.argsort(ts, kind="stable")
        return cls(ts[order], values[order].reshape(len(bars), len(VALUES)))

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


@dataclass(frozen=True)
class Merged:
    """A batch merged into stored bars: the result, and what the batch did to them."""

    columns: Columns
    inserted: int
    updated: int
    unchanged: int


def merge(stored: Columns, batch: Columns) -> Merged:
    """``batch`` written over ``stored``: a bar of the batch replaces the stored bar of its ``ts``;
    the counts say how many bars were new, changed and the same as stored."""
    position = np.searchsorted(stored.ts, batch.ts)
    inside = position < len(stored)
    found = np.zeros(len(batch), dtype=bool)
    found[inside] = stored.ts[position[inside]] == batch.ts[inside]
    same = np.zeros(len(batch), dtype=bool)
    same[found] = np.all(stored.values[position[found]] == batch.values[found], axis=1)
    values = stored.values.copy()
    values[position[found]] = batch.values[found]
    new = ~found
    ts = np.insert(stored.ts, position[new], batch.ts[new])
    values = np.insert(values, position[new], batch.values[new], axis=0)
    unchanged = int(same.sum())
    return Merged(Columns(ts, values), int(new.sum()), int(found.sum()) - unchanged, unchanged)


def split(columns: Columns, most: int) -> list[Columns]:
    """``columns`` in consecutive parts of at most ``most`` bars, as even as can be (so a part that
    had to be split keeps at least half of ``most``)."""
    parts = max(1, -(-len(columns) // most))
    bounds = np.linspace(0, len(columns), parts + 1).round().astype(int)
    return [columns.take(slice(int(a), int(b))) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def pack(columns: Columns) -> dict[str, Any]:
    """The fields of a chunk document holding ``columns``."""
    deltas = np.diff(columns.ts, prepend=0).astype(_MS)
    return {
        "count": len(columns),
        "ts": Binary(zlib.compress(deltas.tobytes(), 1)),
        "values": Binary(zlib.compress(np.ascontiguousarray(columns.values.T, dtype=_VALUE).tobytes(), 1)),
    }


def unpack(document: dict[str, Any]) -> Columns:
    """The columns a chunk document holds (the inverse of ``pack``)."""
    ts = np.cumsum(np.frombuffer(zlib.decompress(document["ts"]), dtype=_MS))
    values = np.frombuffer(zlib.decompress(document["values"]), dtype=_VALUE).reshape(len(VALUES), len(ts)).T
    return Columns(ts, values)
