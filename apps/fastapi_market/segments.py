"""The bars as readers get them: packed segments of each series, written at ingest beside the bars.

The ``bars`` collection keeps one document per bar: its unique index on (symbol, timeframe, ts)
arbitrates concurrent writers, and the ingest counts come from it. Reading a series back from it
costs one decoded document per bar, and FerretDB, the embedded default, spends tens of microseconds
of Go on each and pushes down neither sort nor limit: 5,000 bars of a symbol took about half a
second to read, and a page of 100 as long. So every accepted batch is also written to
``bar_segments``, one document per series and batch with the values packed in little-endian arrays
(``ts`` in milliseconds as int64, OHLCV as float64), as MongoDB's own time-series collections
bucket theirs, each array compressed with zlib (timestamps as differences, which compress to almost
nothing): FerretDB's and PostgreSQL's cost grows with the bytes of a document. A reader fetches the
few segments of its series with one equality query (served by an index on mongod and by a GIN
index on FerretDB) and merges them, a later segment winning a timestamp.

Segments are only ever inserted and deleted, never updated: FerretDB's updates are
read-modify-write in Go with no lock, so concurrent updates of one document would lose writes. A
batch's segment is written once its bars are stored, and holds what the bars collection now has
for every valid bar of the batch (inserted, updated and unchanged alike): a batch sent again after
a lost answer repairs the segments as well as the bars. When a series has more than ``COMPACT_AT``
segments (a writer looks once in CHECK_EVERY of its writes to it), the writer merges them: the
merged segments are inserted first and the old ones deleted after, so a reader in between merges the same values twice.
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from bson.binary import Binary
from pydantic import ValidationError

from apps.common.contracts import Bar
from apps.common.contracts.market import Timeframe
from apps.fastapi_market.documents import Documents, SyncDocuments

COLLECTION = "bar_segments"
VALUES = ("open", "high", "low", "close", "volume")
COMPACT_AT = 8  # segments of one series before a writer merges them
CHECK_EVERY = 4  # a process looks at a series' segments once in this many of its writes to it
MAX_SEGMENT_BARS = 50_000  # a merged segment stays well under MongoDB's 16 MiB document limit
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_MS = np.dtype("<i8")
_VALUE = np.dtype("<f8")


@dataclass(frozen=True)
class Series:
    """A series' bars, oldest first: ``ts`` in epoch milliseconds, the OHLCV columns, and the version
    of the write each bar's values come from."""

    ts: np.ndarray
    columns: dict[str, np.ndarray]
    versions: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def empty(cls) -> Series:
        return cls(np.empty(0, _MS), {name: np.empty(0, _VALUE) for name in VALUES}, np.empty(0, _MS))

    def between(self, first_ms: int | None, last_ms: int | None, after_ms: int | None = None) -> Series:
        """The bars with ``first_ms <= ts <= last_ms`` and ``ts > after_ms`` (each bound optional)."""
        keep = np.ones(len(self.ts), dtype=bool)
        if first_ms is not None:
            keep &= self.ts >= first_ms
        if last_ms is not None:
            keep &= self.ts <= last_ms
        if after_ms is not None:
            keep &= self.ts > after_ms
        return self.take(keep)

    def take(self, selection: slice | np.ndarray) -> Series:
        return Series(
            self.ts[selection],
            {name: column[selection] for name, column in self.columns.items()},
            self.versions[selection],
        )

    def bars(self, symbol: str, timeframe: Timeframe) -> list[Bar]:
        """The bars as contract models (``model_construct``: every value was validated on the way in)."""
        columns = {name: column.tolist() for name, column in self.columns.items()}
        return [
            Bar.model_construct(
                symbol=symbol, timeframe=timeframe, ts=from_ms(ms), **{name: columns[name][i] for name in VALUES}
            )
            for i, ms in enumerate(self.ts.tolist())
        ]


_writes: dict[tuple[str, str, str], int] = {}  # this process's writes to each series since it last looked


def to_ms(ts: datetime) -> int:
    """Epoch milliseconds, in integers all the way (a float would round some timestamps)."""
    return (ts - EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def segment_document(symbol: str, timeframe: str, bars: Iterable[Bar], version: int | None = None) -> dict[str, Any]:
    """One segment of ``bars`` (all of ``symbol`` and ``timeframe``), packed and sorted by ts.

    ``version`` orders segments (a later one wins a timestamp): by default the time it is made,
    after the bars it holds were stored.
    """
    ordered = sorted(bars, key=lambda bar: bar.ts)
    version = version or time.time_ns()
    ts = np.array([to_ms(bar.ts) for bar in ordered], dtype=_MS)
    columns = {name: np.array([getattr(bar, name) for bar in ordered], dtype=_VALUE) for name in VALUES}
    return _document(symbol, timeframe, Series(ts, columns, np.full(len(ts), version, dtype=_MS)), version)


def _document(symbol: str, timeframe: str, series: Series, version: int) -> dict[str, Any]:
    return {
        "_id": f"{symbol}:{timeframe}:{version:020d}:{uuid.uuid4().hex[:8]}",
        "symbol": symbol,
        "timeframe": timeframe,
        "version": version,
        "count": len(series),
        "first": from_ms(int(series.ts[0])) if len(series) else None,
        "last": from_ms(int(series.ts[-1])) if len(series) else None,
        "ts": _pack(np.diff(series.ts.astype(_MS), prepend=0)),
        **{name: _pack(column.astype(_VALUE)) for name, column in series.columns.items()},
        # Each bar's own version: a merged segment keeps them, so merging it again stays exact.
        "versions": _pack(series.versions.astype(_MS)),
    }


def _pack(values: np.ndarray) -> Binary:
    return Binary(zlib.compress(values.tobytes(), 1))


def _unpack(data: bytes, dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(zlib.decompress(data), dtype=dtype)


def merge(documents: list[dict[str, Any]]) -> Series:
    """The bars of ``documents`` (segments of one series), one per timestamp: the latest write's."""
    if not documents:
        return Series.empty()
    ts = np.concatenate([np.cumsum(_unpack(doc["ts"], _MS)) for doc in documents])
    versions = np.concatenate([_unpack(doc["versions"], _MS) for doc in documents])
    order = np.lexsort((versions, ts))  # by ts, then by version: the last of each ts is the winner
    ts = ts[order]
    last_of_each = np.append(ts[1:] != ts[:-1], True)
    columns = {
        name: np.concatenate([_unpack(doc[name], _VALUE) for doc in documents])[order][last_of_each] for name in VALUES
    }
    return Series(ts[last_of_each], columns, versions[order][last_of_each])


async def series_read(collection: Documents, symbol: str, timeframe: str) -> Series:
    """Every bar of a series, merged from its segments (one equality query)."""
    documents = await collection.find({"symbol": symbol, "timeframe": timeframe}).to_list()
    return merge(documents)


async def segments_write(collection: Documents, bars: list[Bar]) -> None:
    """Write a segment per series of ``bars`` (stored already); merge a series' segments if many."""
    by_series: dict[tuple[str, str], list[Bar]] = {}
    for bar in bars:
        by_series.setdefault((bar.symbol, bar.timeframe), []).append(bar)
    if not by_series:
        return
    await collection.insert_many([segment_document(s, tf, series) for (s, tf), series in by_series.items()])
    for symbol, timeframe in by_series:
        key = (collection.full_name, symbol, timeframe)
        _writes[key] = _writes.get(key, 0) + 1
        if _writes[key] >= CHECK_EVERY:  # counting a series' segments reads them all: not on every write
            _writes[key] = 0
            await _compact(collection, symbol, timeframe)


async def _compact(collection: Documents, symbol: str, timeframe: str) -> None:
    """Merge a series' segments into as few as MAX_SEGMENT_BARS allows, once there are too many."""
    documents = await collection.find({"symbol": symbol, "timeframe": timeframe}).to_list()
    if len(documents) <= COMPACT_AT:
        return
    version = max(doc["version"] for doc in documents)
    merged = merge(documents)  # each bar keeps the version of its write
    parts = [merged.take(slice(start, start + MAX_SEGMENT_BARS)) for start in range(0, len(merged), MAX_SEGMENT_BARS)]
    await collection.insert_many([_document(symbol, timeframe, part, version) for part in parts])
    for doc in documents:  # one by _id: FerretDB pushes equality down, `$in` would read the collection
        await collection.delete_one({"_id": doc["_id"]})


def segments_rebuild(bars: SyncDocuments, segments: SyncDocuments, series: list[tuple[str, str]]) -> tuple[int, int]:
    """Write one segment per series from what the ``bars`` collection holds (PyMongo, blocking): for
    bars that reached MongoDB another way than ``POST /bars`` (an earlier version, a migration).
    Returns the bars written, and the documents left out because they are not valid bars."""
    written = skipped = 0
    for symbol, timeframe in series:
        found = []
        for document in bars.find({"symbol": symbol, "timeframe": timeframe}, {"_id": False}):
            try:
                found.append(Bar.model_validate(document))
            except (ValidationError, TypeError):
                skipped += 1
        for start in range(0, len(found), MAX_SEGMENT_BARS):
            segments.insert_one(segment_document(symbol, timeframe, found[start : start + MAX_SEGMENT_BARS]))
        written += len(found)
    return written, skipped
