"""The series store: every bar of every series, in documents that are only ever inserted, and deleted
once no reader can need them; in the lineage of ArcticDB's reference → version → index → data.

A version of the store is a commit (apps/fastapi_market/versions.py): commit n names a catalog of
every series, each series' entry names its index, and the index names the chunks of bars. A write
merges its bars into the chunks they fall in, inserts the new chunks, index and catalog, then commit
n + 1: one insert that only one writer can win. A writer that loses reads the newest commit; if the
series it wrote are as it found them, it commits the same chunks on top, else it merges again: no
write is lost, and every acknowledged bar is in a commit. Commits are never deleted, so the newest is
found by probing numbers. A reader takes the newest commit, the series' index, then only the chunks
that cover what it asked: it sees one version whole, and a page costs its chunks, not the series.
What a commit leaves unreachable is deleted ``grace_s`` seconds after it, when no reader of the
version before can still be reading; ``sweep`` deletes what a stopped process left behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
from pymongo import WriteConcern
from pymongo.errors import DuplicateKeyError, PyMongoError

from apps.common.contracts import Bar, SeriesSummary
from apps.common.contracts.market import Timeframe
from apps.fastapi_market.columns import Columns, from_ms, merge, pack, split, unpack
from apps.fastapi_market.documents import Document, MarketDatabase
from apps.fastapi_market.versions import (
    CATALOGS,
    CHUNKS,
    COMMITS,
    INDEXES,
    Catalog,
    Entry,
    Index,
    commit_id,
    new_key,
    stamped,
)

CHUNK_BARS = 4_000  # bars per chunk at most: a page reads one or two chunks of tens of kilobytes
GRACE_S = 60.0  # what a commit leaves unreachable outlives it this long: far longer than any read
ATTEMPTS = 20  # merges one write tries before it gives up (other writers kept changing its series)
log = logging.getLogger(__name__)


class StoreBusy(Exception):
    """A write could not be committed now; none of it is visible, and sending it again is safe."""


class _Gone(Exception):
    """A document of the version being read was deleted: that version is long superseded."""


def series_name(symbol: str, timeframe: str) -> str:
    return f"{symbol}:{timeframe}"


class _Plan:
    """A write merged into one version: what to insert, what it leaves unreachable, what it did."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.documents: dict[str, list[Document]] = {INDEXES: [], CHUNKS: []}
        self.garbage: dict[str, list[str]] = {INDEXES: [], CHUNKS: []}
        self.written: dict[str, Columns] = {}  # the new chunks, by key
        self.counts = np.zeros(3, dtype=int)  # inserted, updated, unchanged


class SeriesStore:
    """The store of one market database, as one process reads and writes it (on one event loop)."""

    def __init__(self, database: MarketDatabase, *, chunk_bars: int = CHUNK_BARS, grace_s: float = GRACE_S):
        self.database = database
        self.chunk_bars = chunk_bars
        self.grace_s = grace_s
        # Journaled: a commit mongod acknowledged outlives a SIGKILL of mongod, with all written before it.
        self._commits = database.get_collection(COMMITS, write_concern=WriteConcern(w=1, j=True))
        self._head: tuple[int, Catalog] = (0, Catalog("", {}))  # the newest commit known, and its catalog
        self._indexes: OrderedDict[str, Index] = OrderedDict()
        self._written: dict[str, Columns] = {}  # the chunks this process's last commit wrote: its next merge's base
        self._write_lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None] | asyncio.TimerHandle] = set()

    # Reading

    async def head(self) -> tuple[int, Catalog]:
        """The newest commit's number and catalog."""
        while True:
            known = self._head[0]
            number = await self._newest(known)
            if number == known:
                return self._head
            commit = await self._commits.find_one({"_id": commit_id(number)})
            catalog = await self.database[CATALOGS].find_one({"_id": commit["catalog"]}) if commit else None
            if catalog is not None:  # else it was superseded and collected meanwhile: look again
                if number > self._head[0]:
                    self._head = (number, Catalog.of(catalog))
                return self._head

    async def _newest(self, known: int) -> int:
        """The newest commit's number, probing up from ``known`` (commits are 1, 2, … and stay)."""
        low, step = known, 1
        while await self._exists(known + step):
            low, step = known + step, step * 2
        high = known + step
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if await self._exists(middle) else (low, middle)
        return low

    async def _exists(self, number: int) -> bool:
        return await self._commits.find_one({"_id": commit_id(number)}, {"_id": True}) is not None

    async def _index(self, key: str) -> Index:
        index = self._indexes.get(key)
        if index is None:
            document = await self.database[INDEXES].find_one({"_id": key})
            if document is None:
                raise _Gone(key)
            index = self._indexes[key] = Index.of(document)
            if len(self._indexes) > 1024:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(key)
        return index

    async def _chunks(self, keys: list[str]) -> list[Columns]:
        documents = await asyncio.gather(*(self.database[CHUNKS].find_one({"_id": key}) for key in keys))
        if any(document is None for document in documents):
            raise _Gone(keys)
        return [unpack(document) for document in documents if document is not None]

    async def _read(self, series: str, pick: Callable[[Index], Awaitable[Columns]]) -> Columns:
        """What ``pick`` reads of the newest version of ``series`` (none of it when there is none)."""
        for _ in range(3):
            entry = (await self.head())[1].entries.get(series)
            if entry is None:
                return Columns.empty()
            try:
                return await pick(await self._index(entry.index))
            except _Gone:
                continue  # the version was collected while this read waited: read the newest
        raise StoreBusy(f"{series} changed faster than it could be read")

    async def page(self, symbol: str, timeframe: str, lo_ms: int, hi_ms: int, limit: int) -> Columns:
        """The first ``limit`` bars with ``lo_ms <= ts <= hi_ms``, oldest first."""

        async def pick(index: Index) -> Columns:
            parts: list[Columns] = []
            for at in range(int(np.searchsorted(index.last, lo_ms)), len(index.chunks)):
                if index.first[at] > hi_ms or sum(map(len, parts)) >= limit:
                    break
                parts += [chunk.between(lo_ms, hi_ms) for chunk in await self._chunks([index.chunks[at]])]
            return Columns.concat(parts).take(slice(0, limit))

        return Columns.empty() if lo_ms > hi_ms else await self._read(series_name(symbol, timeframe), pick)

    async def latest(self, symbol: str, timeframe: str, count: int) -> Columns:
        """The newest ``count`` bars, oldest first."""

        async def pick(index: Index) -> Columns:
            needed = int(np.searchsorted(np.cumsum(index.count[::-1]), count)) + 1
            newest = Columns.concat(await self._chunks(index.chunks[max(0, len(index.chunks) - needed) :]))
            return newest.take(slice(max(0, len(newest) - count), None))

        return await self._read(series_name(symbol, timeframe), pick)

    async def summaries(self, symbol: str | None = None, timeframe: str | None = None) -> list[SeriesSummary]:
        """Every series (or those of ``symbol`` and ``timeframe``), by symbol then timeframe."""
        found = []
        for name, e in (await self.head())[1].entries.items():
            s, tf = name.split(":")
            if symbol in (None, s) and timeframe in (None, tf):
                tf = cast(Timeframe, tf)
                found.append(
                    SeriesSummary(
                        symbol=s, timeframe=tf, bars=e.bars, first_ts=from_ms(e.first), last_ts=from_ms(e.last)
                    )
                )
        return sorted(found, key=lambda summary: (summary.symbol, summary.timeframe))

    # Writing

    async def write(self, bars: list[Bar]) -> tuple[int, int, int]:
        """Store ``bars`` (valid, no two of a series with one ``ts``); (inserted, updated, unchanged).

        When it returns, every bar is in the newest commit; when it raises, sending the bars again is safe.
        """
        groups: dict[str, list[Bar]] = {}
        for bar in bars:
            groups.setdefault(series_name(bar.symbol, bar.timeframe), []).append(bar)
        batches = {name: Columns.of_bars(group) for name, group in groups.items()}
        async with self._write_lock:  # this process's writes take turns; other processes race at the commit
            for _ in range(ATTEMPTS):
                base = await self.head()
                try:
                    plan = await self._plan(base[1], batches)
                except _Gone:
                    continue
                done = tuple(int(n) for n in plan.counts)
                if not plan.entries:
                    return done[0], done[1], done[2]
                written = time.monotonic()
                await asyncio.gather(
                    *(self.database[name].insert_many(docs, ordered=False) for name, docs in plan.documents.items())
                )
                if await self._commit(base, plan, written):
                    self._written = plan.written
                    return done[0], done[1], done[2]
                await self._delete({name: [doc["_id"] for doc in docs] for name, docs in plan.documents.items()})
        raise StoreBusy(f"{ATTEMPTS} other writes changed the same series first")

    async def _plan(self, catalog: Catalog, batches: dict[str, Columns]) -> _Plan:
        """Each batch merged into the chunks of its series that it falls in (a bar between two chunks
        goes to the earlier one; bars after the last chunk start new ones when it is half full or more,
        so an append rewrites at most half a chunk), chunks over ``chunk_bars`` split; unchanged series
        left out."""
        plan = _Plan()
        for name, batch in batches.items():
            entry = catalog.entries.get(name)
            index = await self._index(entry.index) if entry else Index.empty()
            count = len(index.chunks)
            slot = np.maximum(np.searchsorted(index.first, batch.ts, side="right") - 1, 0)
            if count and index.count[-1] >= self.chunk_bars // 2:
                slot[batch.ts > index.last[-1]] = count  # a new chunk after the last
            touched = np.unique(slot).tolist()
            keys = {at: index.chunks[at] for at in touched if at < count}
            missing = [key for key in keys.values() if key not in self._written]
            stored = {**self._written, **dict(zip(missing, await self._chunks(missing), strict=True))}
            parts: dict[int, list[Columns]] = {}
            for at in touched:
                merged = merge(stored[keys[at]] if at in keys else Columns.empty(), batch.take(slot == at))
                plan.counts += (merged.inserted, merged.updated, merged.unchanged)
                if merged.inserted or merged.updated:
                    parts[at] = split(merged.columns, self.chunk_bars)
            if not parts:
                continue
            rows: list[tuple[str, int, int, int]] = []
            for at in range(max(count, touched[-1] + 1)):
                if at not in parts:
                    rows.append((index.chunks[at], int(index.first[at]), int(index.last[at]), int(index.count[at])))
                    continue
                plan.garbage[CHUNKS] += [keys[at]] if at in keys else []
                for part in parts[at]:
                    rows.append((new_key(), int(part.ts[0]), int(part.ts[-1]), len(part)))
                    plan.documents[CHUNKS].append(stamped({"_id": rows[-1][0], "series": name, **pack(part)}))
                    plan.written[rows[-1][0]] = part
            new = Index.of_rows(rows)
            plan.documents[INDEXES].append(new.document(name))
            plan.garbage[INDEXES] += [entry.index] if entry else []
            plan.entries[name] = new.entry()
        return plan

    async def _commit(self, base: tuple[int, Catalog], plan: _Plan, written: float) -> bool:
        """Publish ``plan`` as the commit after ``base``, or after newer commits that left its series as
        they were; False when one changed them (the plan must be merged again)."""
        while time.monotonic() - written < self.grace_s / 2:  # past that, a sweep may take its documents
            number, found = base
            catalog = Catalog(new_key(), {**found.entries, **plan.entries})
            await self.database[CATALOGS].insert_one(catalog.document())
            if await self._publish(number + 1, catalog.key):
                self._head = (number + 1, catalog)
                self._collect_later({**plan.garbage, CATALOGS: [found.key] if found.key else []})
                return True
            await self._delete({CATALOGS: [catalog.key]})
            base = await self.head()
            if any(base[1].entries.get(name) != found.entries.get(name) for name in plan.entries):
                return False
        raise StoreBusy("the write took too long to commit")

    async def _publish(self, number: int, catalog: str) -> bool:
        """Insert commit ``number``; whether it is ours (when the answer was lost, it is looked up)."""
        writer = new_key()
        try:
            await self._commits.insert_one(stamped({"_id": commit_id(number), "catalog": catalog, "writer": writer}))
            return True
        except DuplicateKeyError:
            return False
        except PyMongoError:
            found = await self._commits.find_one({"_id": commit_id(number)})  # raises while still unreachable
            if found is None:
                raise
            return bool(found["writer"] == writer)

    # Collecting

    def _collect_later(self, garbage: dict[str, list[str]]) -> None:
        def start() -> None:
            self._pending.discard(handle)
            task = asyncio.ensure_future(self._delete(garbage))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        handle = asyncio.get_running_loop().call_later(self.grace_s, start)
        self._pending.add(handle)

    async def _delete(self, garbage: dict[str, list[str]]) -> None:
        """Delete documents by key, one command each (an equality filter every server serves by index)."""
        try:
            for collection, keys in garbage.items():
                for key in keys:
                    await self.database[collection].delete_one({"_id": key})
        except PyMongoError as exc:  # left for the sweep
            log.warning("series store: superseded documents left for the sweep: %s", exc)

    async def close(self) -> None:
        """Stop collecting; what still waits is left to ``sweep``."""
        for pending in list(self._pending):
            pending.cancel()
        self._pending.clear()

    async def sweep(self) -> dict[str, int]:
        """Delete the documents that no commit of the last ``grace_s`` seconds (nor the one before
        them) reaches and that are older than that; how many of each collection."""
        number, _ = await self.head()
        since = datetime.now(UTC) - timedelta(seconds=self.grace_s)
        keep: dict[str, set[str]] = {CATALOGS: set(), INDEXES: set(), CHUNKS: set()}
        while number > 0:
            commit = await self._commits.find_one({"_id": commit_id(number)}) or {}
            keep[CATALOGS].add(commit.get("catalog", ""))
            if commit.get("created", since).replace(tzinfo=UTC) < since:
                break
            number -= 1
        for key in list(keep[CATALOGS]):
            document = await self.database[CATALOGS].find_one({"_id": key})
            if document is not None:
                keep[INDEXES].update(entry.index for entry in Catalog.of(document).entries.values())
        for key in keep[INDEXES]:
            keep[CHUNKS].update((await self.database[INDEXES].find_one({"_id": key}) or {}).get("chunks", []))
        removed = {}
        for collection, kept in keep.items():
            documents = self.database[collection].find({}, {"created": True})
            stale = [
                d["_id"] async for d in documents if d["_id"] not in kept and d["created"].replace(tzinfo=UTC) < since
            ]
            await self._delete({collection: stale})
            removed[collection] = len(stale)
        return removed
