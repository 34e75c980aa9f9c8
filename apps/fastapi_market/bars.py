"""Bars in MongoDB: validated rows in, idempotent bulk upserts, keyset pages out."""

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

DUPLICATE_KEY = 11000
_VALUES = ("open", "high", "low", "close", "volume")


@dataclass
class WritePolicy:
    """How this process writes bars to the server it found.

    FerretDB's SQLite backend wedges (seen here: the server stops answering) when writes to one
    collection run concurrently, or when one update command carries about 100 updates; against
    it, writes go one at a time in commands of 50. MongoDB takes them concurrently, 1,000 a command.
    """

    chunk: int
    lock: asyncio.Lock | None = field(default=None)

    @classmethod
    async def for_server(cls, collection: AsyncCollection) -> WritePolicy:
        build = await collection.database.client.admin.command("buildInfo")
        return cls(chunk=50, lock=asyncio.Lock()) if "ferretdbVersion" in build else cls(chunk=1000)

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


async def indexes_ensure(collection: AsyncCollection) -> None:
    """Create the bars indexes if missing (idempotent)."""
    await collection.create_indexes(INDEXES["bars"])


async def bars_upsert(collection: AsyncCollection, bars: list[Bar], policy: WritePolicy) -> tuple[int, int, int]:
    """Upsert ``bars`` in unordered bulk writes of ``policy.chunk``; return (inserted, updated, unchanged)."""
    totals = (0, 0, 0)
    async with policy.turn():
        for start in range(0, len(bars), policy.chunk):
            counts = await _upsert_chunk(collection, bars[start : start + policy.chunk])
            totals = tuple(a + b for a, b in zip(totals, counts))
    return totals


async def _upsert_chunk(collection: AsyncCollection, bars: list[Bar]) -> tuple[int, int, int]:
    """One bulk write. The unique index on (symbol, timeframe, ts) decides races between
    concurrent writers: an upsert that loses one is retried as the update it now is."""
    inserted = updated = unchanged = 0
    pending = bars
    for _ in range(3):
        if not pending:
            break
        ops = [
            UpdateOne(
                {"symbol": bar.symbol, "timeframe": bar.timeframe, "ts": bar.ts},
                {"$set": {name: getattr(bar, name) for name in _VALUES}},
                upsert=True,
            )
            for bar in pending
        ]
        try:
            result = (await collection.bulk_write(ops, ordered=False)).bulk_api_result
            retry: list[int] = []
        except BulkWriteError as exc:
            result = exc.details
            errors = result.get("writeErrors", [])
            if any(error["code"] != DUPLICATE_KEY for error in errors):
                raise
            retry = [error["index"] for error in errors]
        inserted += result["nUpserted"]
        updated += result["nModified"]
        unchanged += result["nMatched"] - result["nModified"]
        pending = [pending[i] for i in retry]
    return inserted, updated, unchanged


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
