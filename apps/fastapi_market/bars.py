"""Bars in MongoDB: validated rows in, idempotent writes by natural key, keyset pages out (read from
the series' packed segments: apps/fastapi_market/segments.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from apps.common.contracts import Bar, IngestReport, RejectedBar
from apps.common.contracts.market import Timeframe
from apps.common.database_servers import is_ferretdb
from apps.fastapi_market.documents import Documents
from apps.fastapi_market.indexes import INDEXES
from apps.fastapi_market.segments import COLLECTION as SEGMENTS
from apps.fastapi_market.segments import from_ms, segments_write, series_read, to_ms
from apps.fastapi_market.series import LEDGER, series_record

DUPLICATE_KEY = 11000
_VALUES = ("open", "high", "low", "close", "volume")


class WriteRefused(Exception):
    """The database refused some writes for a reason other than a duplicate key."""

    def __init__(self, count: int, first_reason: str):
        super().__init__(f"the database refused {count} writes; the first: {first_reason}")


@dataclass
class WritePolicy:
    """How this process reads back and updates the bars a batch finds already stored.

    New bars go in ``insert_many`` commands of 1,000 on any server, with no read first, and
    requests write concurrently (PostgreSQL's unique index keeps one bar per key under FerretDB
    too). The bars already stored are another matter:

    - MongoDB: read back in one ``$in`` query on ``_id``, updated in bulk commands of 1,000.
    - FerretDB 1.24 pushes down only equality filters (``$in`` and ``$or`` read the whole
      collection), and holds one pooled PostgreSQL connection per update of an update command
      until the command ends: a command of more updates than its pool has never ends and keeps its
      connections. Measured here on FerretDB + PostgreSQL with GIN indexes: a 40-update command
      733 ms, 40 single-update commands about 130 ms. So each stored bar is read by ``_id`` and
      each update is a command of its own, at most ``concurrency`` in flight per process.
    """

    batched: bool
    concurrency: int = 8
    insert_chunk: int = 1000
    update_chunk: int = 1000
    _slots: asyncio.Semaphore | None = field(default=None, repr=False)

    @classmethod
    async def for_server(cls, collection: Documents) -> WritePolicy:
        build = await collection.database.client.admin.command("buildInfo")
        return cls(batched=not is_ferretdb(build))

    @property
    def slots(self) -> asyncio.Semaphore:
        """At most ``concurrency`` single commands in flight in this process."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        return self._slots

    async def each(self, keys: list[str], command: Callable[[str], Awaitable[Any]]) -> list[Any]:
        """``command(key)`` for every key, ``concurrency`` at a time; their results in order."""

        async def one(key: str) -> Any:
            async with self.slots:
                return await command(key)

        return list(await asyncio.gather(*(one(key) for key in keys)))


def bars_validate(rows: list[Any]) -> tuple[dict[int, Bar], list[RejectedBar], int]:
    """Each row as a Bar, or rejected with its reasons; rows repeating an earlier key are folded.

    Returns (valid bars by row index, rejections, repeats identical to a row already kept).
    """
    kept: dict[tuple[str, str, datetime], int] = {}
    bars: dict[int, Bar] = {}
    rejected: list[RejectedBar] = []
    repeats = 0
    for index, row in enumerate(rows):
        try:
            bar = Bar.model_validate(row)
        except ValidationError as exc:
            reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()]
            rejected.append(RejectedBar(index=index, reasons=reasons))
            continue
        key = (bar.symbol, bar.timeframe, bar.ts)
        if key in kept:
            first = kept[key]
            if bars[first] == bar:
                repeats += 1
            else:
                reason = f"same symbol, timeframe and ts as row {first}, with other values"
                rejected.append(RejectedBar(index=index, reasons=[reason]))
            continue
        kept[key] = index
        bars[index] = bar
    return bars, rejected, repeats


def bar_key(bar: Bar) -> str:
    """The bar's natural key as its ``_id``: ``AAPL:1d:2013-03-01T00:00:00.000Z``.

    Keyed so, a batch is one ``insert_many`` whose duplicate-key errors name the bars already
    stored, with no read first; one bar per key is guaranteed twice: by ``_id`` and by the unique
    (symbol, timeframe, ts) index.
    """
    return f"{bar.symbol}:{bar.timeframe}:{bar.ts.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z"


async def indexes_ensure(collection: Documents) -> None:
    """Create the market database's indexes if missing (idempotent)."""
    for name, models in INDEXES.items():
        await collection.database[name].create_indexes(models)


class BarSetup:
    """What writing bars needs once per process: the indexes, and the write policy for the server.

    Done by the first write that reaches the database, never twice at once: the service starts and
    answers /health with MongoDB down, and sets up the first time a write finds it back.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._policy: WritePolicy | None = None

    async def policy(self, collection: Documents) -> WritePolicy:
        """The write policy, making the indexes and asking the server first if no write has yet."""
        if self._policy is None:
            async with self._lock:
                if self._policy is None:
                    await indexes_ensure(collection)
                    self._policy = await WritePolicy.for_server(collection)
        return self._policy


async def bars_upsert(collection: Documents, bars: list[Bar], policy: WritePolicy) -> tuple[int, int, int]:
    """Write ``bars`` by natural key; return (inserted, updated, unchanged)."""
    inserted = updated = unchanged = 0
    for start in range(0, len(bars), policy.insert_chunk):
        counts = await _write_chunk(collection, bars[start : start + policy.insert_chunk], policy)
        inserted, updated, unchanged = inserted + counts[0], updated + counts[1], unchanged + counts[2]
    return inserted, updated, unchanged


async def _write_chunk(collection: Documents, bars: list[Bar], policy: WritePolicy) -> tuple[int, int, int]:
    """Insert every bar; only those already stored are read back, compared and updated if changed.

    Inserting first keeps the common case (new bars) to one command with no reads. The counts come
    from the duplicate-key errors and a comparison with what is stored, not from the server's
    reply (FerretDB leaves ``nModified`` out of some replies).
    """
    documents = {bar_key(bar): _document(bar) for bar in bars}
    existing = await _insert_new(collection, documents)
    await series_record(collection.database[LEDGER], [documents[key] for key in documents.keys() - existing])
    if not existing:
        return len(documents), 0, 0
    stored = await _stored(collection, existing, policy)
    elsewhere = [key for key in existing if key not in stored]
    if elsewhere:  # the unique (symbol, timeframe, ts) index holds it under another _id: not ours to count
        raise WriteRefused(len(elsewhere), f"{elsewhere[0]} is stored under another _id")
    changed = [key for key in existing if _differs(documents[key], stored[key])]
    await _update(collection, {key: documents[key] for key in changed}, policy)
    return len(documents) - len(existing), len(changed), len(existing) - len(changed)


async def _update(collection: Documents, documents: dict[str, dict[str, Any]], policy: WritePolicy) -> None:
    """Set the stored bars of ``documents``' keys to their new values."""
    if policy.batched:
        keys = list(documents)
        for start in range(0, len(keys), policy.update_chunk):
            chunk = keys[start : start + policy.update_chunk]
            await collection.bulk_write([UpdateOne({"_id": k}, {"$set": documents[k]}) for k in chunk], ordered=False)
        return
    await policy.each(list(documents), lambda key: collection.update_one({"_id": key}, {"$set": documents[key]}))


async def _insert_new(collection: Documents, documents: dict[str, dict[str, Any]]) -> list[str]:
    """Insert all ``documents`` (unordered); return the keys that were already stored."""
    keys = list(documents)
    try:
        await collection.insert_many([{"_id": key, **documents[key]} for key in keys], ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        refused = [error for error in errors if error.get("code") != DUPLICATE_KEY]
        if refused:
            raise WriteRefused(len(refused), refused[0].get("errmsg", "unknown error")) from None
        return [keys[error["index"]] for error in errors]
    return []


async def _stored(collection: Documents, keys: list[str], policy: WritePolicy) -> dict[str, dict[str, Any]]:
    """The stored bars of ``keys``: one ``$in`` query on MongoDB, one lookup by ``_id`` per key on
    FerretDB (whose GIN index serves each in about a millisecond, where ``$in`` reads every bar)."""
    if policy.batched:
        return {doc["_id"]: doc async for doc in collection.find({"_id": {"$in": keys}})}
    found = await policy.each(keys, lambda key: collection.find_one({"_id": key}))
    return {doc["_id"]: doc for doc in found if doc is not None}


def _document(bar: Bar) -> dict[str, Any]:
    values = {name: getattr(bar, name) for name in _VALUES}
    return {"symbol": bar.symbol, "timeframe": bar.timeframe, "ts": bar.ts, **values}


def _differs(document: dict[str, Any], stored: dict[str, Any]) -> bool:
    return any(stored.get(name) != document[name] for name in _VALUES)


async def bars_ingest(collection: Documents, rows: list[Any], policy: WritePolicy) -> IngestReport:
    """Validate ``rows``, upsert the valid ones, then write them to the series' segments (what readers
    read); every row is counted exactly once."""
    bars, rejections, repeats = bars_validate(rows)
    valid = list(bars.values())
    inserted, updated, unchanged = await bars_upsert(collection, valid, policy)
    await segments_write(_segments(collection), valid)
    return IngestReport(
        received=len(rows),
        inserted=inserted,
        updated=updated,
        unchanged=unchanged + repeats,
        rejected=len(rejections),
        rejections=sorted(rejections, key=lambda r: r.index),
    )


async def bars_page(
    collection: Documents,
    *,
    symbol: str,
    timeframe: Timeframe,
    start: datetime | None,
    end: datetime | None,
    after: datetime | None,
    limit: int,
) -> tuple[list[Bar], datetime | None]:
    """Bars in ``[start, end]`` after ``after``, oldest first; and the cursor of the next page."""
    series = await series_read(_segments(collection), symbol, timeframe)
    chosen = series.between(*(to_ms(t) if t else None for t in (start, end, after))).take(slice(0, limit + 1))
    bars = chosen.take(slice(0, limit)).bars(symbol, timeframe)
    return bars, (bars[-1].ts if len(chosen) > limit else None)


async def closes_latest(
    collection: Documents, *, symbol: str, timeframe: str, count: int
) -> tuple[list[datetime], list[float]]:
    """The newest ``count`` bars' timestamps and closes, oldest first."""
    series = await series_read(_segments(collection), symbol, timeframe)
    newest = series.take(slice(max(0, len(series) - count), None))
    return [from_ms(ms) for ms in newest.ts.tolist()], newest.columns["close"].tolist()


def _segments(bars: Documents) -> Documents:
    """The segments of the bars of ``bars``' database."""
    return bars.database[SEGMENTS]
