"""Bars in MongoDB: validated rows in, idempotent bulk writes by natural key, keyset pages out."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from apps.common.contracts import Bar, IngestReport, RejectedBar
from apps.fastapi_market.indexes import INDEXES
from apps.fastapi_market.series import LEDGER, series_record

DUPLICATE_KEY = 11000
_VALUES = ("open", "high", "low", "close", "volume")


class WriteRefused(Exception):
    """The database refused some writes for a reason other than a duplicate key."""

    def __init__(self, count: int, first_reason: str):
        super().__init__(f"the database refused {count} writes; the first: {first_reason}")


@dataclass
class WritePolicy:
    """How this process writes bars to the server it found.

    New bars go in ``insert_many`` commands of 1,000 on any server. FerretDB's SQLite backend
    wedges (seen here: the server stops answering) when writes to one collection run
    concurrently, or when one update command carries about 100 updates; against it, writes go
    one at a time and updates in commands of 50. MongoDB takes them concurrently, 1,000 a command.
    """

    update_chunk: int
    lock: asyncio.Lock | None = field(default=None)
    insert_chunk: int = 1000

    @classmethod
    async def for_server(cls, collection: AsyncCollection) -> WritePolicy:
        build = await collection.database.client.admin.command("buildInfo")
        return cls(update_chunk=50, lock=asyncio.Lock()) if "ferretdbVersion" in build else cls(update_chunk=1000)

    def turn(self):
        """The right to write now: immediate for MongoDB, one writer at a time for FerretDB."""
        return self.lock if self.lock is not None else contextlib.nullcontext()


def bars_validate(rows: list[Any]) -> tuple[dict[int, Bar], list[RejectedBar], int]:
    """Each row as a Bar, or rejected with its reasons; rows repeating an earlier key are folded.

    Returns (valid bars by row index, rejections, repeats identical to a row already kept).
    """
    kept: dict[tuple, int] = {}
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


async def indexes_ensure(collection: AsyncCollection) -> None:
    """Create the bars indexes if missing (idempotent)."""
    await collection.create_indexes(INDEXES["bars"])


async def bars_upsert(collection: AsyncCollection, bars: list[Bar], policy: WritePolicy) -> tuple[int, int, int]:
    """Write ``bars`` by natural key; return (inserted, updated, unchanged)."""
    totals = (0, 0, 0)
    async with policy.turn():
        for start in range(0, len(bars), policy.insert_chunk):
            counts = await _write_chunk(collection, bars[start : start + policy.insert_chunk], policy)
            totals = tuple(a + b for a, b in zip(totals, counts))
    return totals


async def _write_chunk(collection: AsyncCollection, bars: list[Bar], policy: WritePolicy) -> tuple[int, int, int]:
    """Insert every bar; only those already stored are read back, compared and updated if changed.

    Inserting first keeps the common case (new bars) to one command with no reads: FerretDB's
    SQLite backend answers every query, even one by ``_id``, by scanning the collection. The
    counts come from the duplicate-key errors and a comparison with what is stored, not from
    the server's reply (FerretDB leaves ``nModified`` out of some replies).
    """
    documents = {bar_key(bar): _document(bar) for bar in bars}
    existing = await _insert_new(collection, documents)
    await series_record(collection.database[LEDGER], [documents[key] for key in documents.keys() - existing])
    if not existing:
        return len(documents), 0, 0
    stored = await _stored(collection, {key: documents[key] for key in existing})
    elsewhere = [key for key in existing if key not in stored]
    if elsewhere:  # the unique (symbol, timeframe, ts) index holds it under another _id: not ours to count
        raise WriteRefused(len(elsewhere), f"{elsewhere[0]} is stored under another _id")
    changed = [key for key in existing if _differs(documents[key], stored[key])]
    for start in range(0, len(changed), policy.update_chunk):
        keys = changed[start : start + policy.update_chunk]
        await collection.bulk_write([UpdateOne({"_id": key}, {"$set": documents[key]}) for key in keys], ordered=False)
    return len(documents) - len(existing), len(changed), len(existing) - len(changed)


async def _insert_new(collection: AsyncCollection, documents: dict[str, dict[str, Any]]) -> list[str]:
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


async def _stored(collection: AsyncCollection, documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The stored bars among ``documents``' keys, in one query: a time range per series.

    One query, not one per bar or per series: FerretDB's SQLite backend scans the whole
    collection for each query, so a batch mixing many symbols still costs one scan.
    """
    stamps: dict[tuple[str, str], list[datetime]] = {}
    for doc in documents.values():
        stamps.setdefault((doc["symbol"], doc["timeframe"]), []).append(doc["ts"])
    ranges = [
        {"symbol": symbol, "timeframe": timeframe, "ts": {"$gte": min(times), "$lte": max(times)}}
        for (symbol, timeframe), times in stamps.items()
    ]
    query = ranges[0] if len(ranges) == 1 else {"$or": ranges}
    return {doc["_id"]: doc async for doc in collection.find(query) if doc["_id"] in documents}


def _document(bar: Bar) -> dict[str, Any]:
    return {"symbol": bar.symbol, "timeframe": bar.timeframe, "ts": bar.ts, **{name: getattr(bar, name) for name in _VALUES}}


def _differs(document: dict[str, Any], stored: dict[str, Any]) -> bool:
    return any(stored.get(name) != document[name] for name in _VALUES)


async def bars_ingest(collection: AsyncCollection, rows: list[Any], policy: WritePolicy) -> IngestReport:
    """Validate ``rows`` and upsert the valid ones; every row is counted exactly once."""
    bars, rejections, repeats = bars_validate(rows)
    inserted, updated, unchanged = await bars_upsert(collection, list(bars.values()), policy)
    return IngestReport(
        received=len(rows),
        inserted=inserted,
        updated=updated,
        unchanged=unchanged + repeats,
        rejected=len(rejections),
        rejections=sorted(rejections, key=lambda r: r.index),
    )


async def bars_page(
    collection: AsyncCollection, *, symbol: str, timeframe: str, start: datetime | None, end: datetime | None,
    after: datetime | None, limit: int,
) -> tuple[list[Bar], datetime | None]:
    """Bars in ``[start, end]`` after ``after``, oldest first; and the cursor of the next page."""
    ts: dict[str, datetime] = {}
    if start:
        ts["$gte"] = start
    if end:
        ts["$lte"] = end
    if after:
        ts["$gt"] = after
    query: dict[str, Any] = {"symbol": symbol, "timeframe": timeframe, **({"ts": ts} if ts else {})}
    cursor = collection.find(query, {"_id": False}).sort("ts", ASCENDING).limit(limit + 1)
    documents = await cursor.to_list()
    bars = [Bar.model_validate(doc) for doc in documents[:limit]]
    return bars, (bars[-1].ts if len(documents) > limit else None)


async def closes_latest(collection: AsyncCollection, *, symbol: str, timeframe: str, count: int) -> tuple[list[datetime], list[float]]:
    """The newest ``count`` bars' timestamps and closes, oldest first."""
    cursor = (
        collection.find({"symbol": symbol, "timeframe": timeframe}, {"_id": False, "ts": True, "close": True})
        .sort("ts", DESCENDING)
        .limit(count)
    )
    documents = (await cursor.to_list())[::-1]
    return [doc["ts"] for doc in documents], [doc["close"] for doc in documents]
