"""The series store's chunks: a batch merged into a chunk's bars, a run split into chunks, and a chunk
packed into one document (``ts`` as differences, values column by column, each zlib-compressed) and back.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from bson.binary import Binary

from apps.fastapi_market.columns import MS, VALUE, VALUES, Columns


def merge(stored: Columns, batch: Columns) -> tuple[Columns, tuple[int, int, int]]:
    """``batch`` written over ``stored`` (a bar of the batch replaces the stored bar of its ``ts``),
    and how many bars of the batch were new, changed and the same as stored."""
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
    return Columns(ts, values), (int(new.sum()), int(found.sum()) - unchanged, unchanged)


def split(columns: Columns, most: int) -> list[Columns]:
    """``columns`` in consecutive parts of at most ``most`` bars, as even as can be (so a part that
    had to be split keeps at least half of ``most``)."""
    parts = max(1, -(-len(columns) // most))
    bounds = np.linspace(0, len(columns), parts + 1).round().astype(int)
    return [columns.take(slice(int(a), int(b))) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def pack(columns: Columns) -> dict[str, Any]:
    """The fields of a chunk document holding ``columns``."""
    deltas = np.diff(columns.ts, prepend=0).astype(MS)
    return {
        "count": len(columns),
        "ts": Binary(zlib.compress(deltas.tobytes(), 1)),
        "values": Binary(zlib.compress(np.ascontiguousarray(columns.values.T, dtype=VALUE).tobytes(), 1)),
    }


def unpack(document: dict[str, Any]) -> Columns:
    """The columns a chunk document holds (the inverse of ``pack``)."""
    ts = np.cumsum(np.frombuffer(zlib.decompress(document["ts"]), dtype=MS))
    values = np.frombuffer(zlib.decompress(document["values"]), dtype=VALUE).reshape(len(VALUES), len(ts)).T
    return Columns(ts, values)
