"""The series store: every bar of every series in documents that are only ever inserted, and deleted
once no reader can need them. A write is committed by one insert that only one writer wins; a read sees
one version whole, at the cost of its page (the design: docs/architecture.md, "Storage in fastapi_market").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import cast

import numpy as np
from pymongo import WriteConcern
from pymongo.errors import DuplicateKeyError, PyMongoError

from apps.common.contracts import SeriesSummary
from apps.common.contracts.actions import CorporateAction
from apps.common.contracts.market import Adjust, Timeframe
from apps.fastapi_market.chunks import merge, pack, split, unpack
from apps.fastapi_market.columns import Columns, from_ms, series_name
from apps.fastapi_market.documents import Document, MarketDatabase
from apps.fastapi_market.store_actions import ActionBook
from apps.fastapi_market.versions import (
    CATALOGS,
    CHUNKS,
    COMMITS,
    INDEXES,
    Catalog,
    Gone,
    Index,
    Loaded,
    Plan,
    SeriesVersion,
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


class SeriesStore:
    """The store of one market database, as one process reads and writes it (on one event loop)."""

    def __init__(self, database: MarketDatabase, *, chunk_bars: int = CHUNK_BARS, grace_s: float = GRACE_S):
        self.database = database
        self.chunk_bars = chunk_bars
        self.grace_s = grace_s
        # Journaled: a commit mongod acknowledged outlives a SIGKILL of mongod, with all written before it.
        self._commits = database.get_collection(COMMITS, write_concern=WriteConcern(w=1, j=True))
        self._head: tuple[int, Catalog] = (0, Catalog("", {}))  # the newest commit known, and its catalog
        self._indexes: Loaded[Index] = Loaded()
        self.book = ActionBook(database, self._chunks)
        self._written: dict[str, Columns] = {}  # the chunks this process's last commit wrote: its next merge's base
        self._write_lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None] | asyncio.TimerHandle] = set()

    # Reading

    async def head(self, exists: int = 0) -> tuple[int, Catalog]:
        """The newest commit's number and catalog (commit ``exists`` is known to exist: probing starts there)."""
        while True:
            known = self._head[0]
            number, commit = await self._newest(max(known, exists))
            if number == known:
                return self._head
            commit = commit or await self._commit_at(number)
            catalog = await self.database[CATALOGS].find_one({"_id": commit["catalog"]}) if commit else None
            if catalog is not None:  # else it was superseded and collected meanwhile: look again
                if number > self._head[0]:
                    self._head = (number, Catalog.of(catalog))
                return self._head

    async def _newest(self, known: int) -> tuple[int, Document | None]:
        """The newest commit's number, probing up from ``known`` (commits are 1, 2, … and stay), and its
        document if a probe read it."""
        low, step, found = known, 1, None
        while (commit := await self._commit_at(known + step)) is not None:
            low, step, found = known + step, step * 2, commit
        high = known + step
        while high - low > 1:
            middle = (low + high) // 2
            commit = await self._commit_at(middle)
            low, high, found = (middle, high, commit) if commit else (low, middle, found)
        return low, found

    async def _commit_at(self, number: int) -> Document | None:
        return await self._commits.find_one({"_id": commit_id(number)})

    async def _index(self, key: str) -> Index:
        async def load() -> Index:
            document = await self.database[INDEXES].find_one({"_id": key})
            if document is None:
                raise Gone(key)
            return Index.of(document)

        return await self._indexes.get(key, load)

    async def _chunks(self, keys: list[str]) -> list[Columns]:
        documents = await asyncio.gather(*(self.database[CHUNKS].find_one({"_id": key}) for key in keys))
        if any(document is None for document in documents):
            raise Gone(keys)
        return [unpack(document) for document in documents if document is not None]

    async def actions(self, symbol: str) -> list[CorporateAction]:
        """The symbol's splits and dividends, by ex-date."""
        return await self.book.listed((await self.head())[1].actions.get(symbol))

    async def version(self, symbol: str, timeframe: str) -> SeriesVersion | None:
        """The series in the newest commit (None when it has no bars): what a read made now sees."""
        number, catalog = await self.head()
        entry = catalog.entries.get(series_name(symbol, timeframe))
        return None if entry is None else SeriesVersion(number, entry, catalog.actions.get(symbol))

    async def read(
        self,
        symbol: str,
        timeframe: str,
        lo_ms: int,
        hi_ms: int,
        limit: int,
        *,
        newest: bool = False,
        adjust: Adjust = "none",
        at: SeriesVersion | None = None,
    ) -> Columns:
        """The first ``limit`` bars with ``lo_ms <= ts <= hi_ms`` (the last ones when ``newest``), oldest
        first, their prices adjusted for the symbol's corporate actions as asked; of the version ``at``
        (from ``version``, a few seconds old at most), else of the newest."""
        for _ in range(3):
            version = at or await self.version(symbol, timeframe)
            if version is None or lo_ms > hi_ms:
                return Columns.empty()
            try:
                index = await self._index(version.entry.index)
                columns = await self._pick(index, lo_ms, hi_ms, limit, newest)
                if adjust == "none" or version.actions is None:
                    return columns
                return (await self.book.factors(index, version.actions)).apply(columns, adjust)
            except Gone:  # the version was collected while this read waited: read the newest, if asked
                if at is not None:
                    break
        raise StoreBusy(f"{symbol} {timeframe} changed faster than it could be read")

    async def _pick(self, index: Index, lo_ms: int, hi_ms: int, limit: int, newest: bool) -> Columns:
        """The bars of ``index`` that ``read`` asks for: its chunks in range, as many at once as their
        counts say may hold ``limit`` bars, then one at a time."""
        inside = [at for at in range(len(index.chunks)) if index.last[at] >= lo_ms and index.first[at] <= hi_ms]
        order = inside[::-1] if newest else inside
        parts: list[Columns] = []
        while order and sum(map(len, parts)) < limit:
            wanted = int(np.searchsorted(np.cumsum(index.count[order]), limit - sum(map(len, parts)))) + 1
            batch, order = order[:wanted], order[wanted:]
            parts += [chunk.between(lo_ms, hi_ms) for chunk in await self._chunks([index.chunks[at] for at in batch])]
        found = Columns.concat(parts[::-1] if newest else parts)
        return found.take(slice(max(0, len(found) - limit), None) if newest else slice(0, limit))

    async def summaries(self, symbol: str | None = None, timeframe: str | None = None) -> list[SeriesSummary]:
        """Every series (or those of ``symbol`` and ``timeframe``), by symbol then timeframe."""
        rows = sorted(((name.split(":"), e) for name, e in (await self.head())[1].entries.items()), key=lambda r: r[0])
        return [
            SeriesSummary(
                symbol=s, timeframe=cast(Timeframe, tf), bars=e.bars, first_ts=from_ms(e.first), last_ts=from_ms(e.last)
            )
            for (s, tf), e in rows
            if symbol in (None, s) and timeframe in (None, tf)
        ]

    # Writing

    async def write(self, batches: dict[str, Columns]) -> tuple[int, int, int]:
        """Store each series' bars (by name, ``AAPL:1d``: no two with one ``ts``); (inserted, updated,
        unchanged). When it returns, every bar is in the newest commit; when it raises, sending the bars
        again is safe."""
        return await self._apply(lambda catalog: self._plan(catalog, batches))

    async def write_actions(self, actions: list[CorporateAction]) -> tuple[int, int, int]:
        """Store corporate actions (one value per symbol, type and ex-date); (inserted, updated, unchanged),
        with the same promise as ``write``."""
        return await self._apply(lambda catalog: self.book.plan(catalog, actions))

    async def _apply(self, planner: Callable[[Catalog], Awaitable[Plan]]) -> tuple[int, int, int]:
        """Plan a write on the newest version and commit it, planning again when another writer changed
        what it changes first."""
        async with self._write_lock:  # this process's writes take turns; other processes race at the commit
            base = await self.head()
            for _ in range(ATTEMPTS):
                try:
                    plan = await planner(base[1])
                except Gone:
                    base = await self.head()
                    continue
                done = (int(plan.counts[0]), int(plan.counts[1]), int(plan.counts[2]))
                if not plan.entries and not plan.actions:
                    return done
                written = time.monotonic()
                catalog = plan.catalog(base[1])
                documents = {**plan.documents, CATALOGS: [catalog.document()]}
                await asyncio.gather(
                    *(self.database[name].insert_many(docs, ordered=False) for name, docs in documents.items() if docs)
                )
                if await self._commit(base, plan, catalog, written):
                    self._written = plan.written or self._written
                    return done
                self._collect_later({name: [doc["_id"] for doc in docs] for name, docs in plan.documents.items()})
                base = self._head  # the newest commit, which ``_commit`` just read
        raise StoreBusy(f"{ATTEMPTS} other writes changed the same series first")

    async def _plan(self, catalog: Catalog, batches: dict[str, Columns]) -> Plan:
        """Each batch merged into the chunks of its series that it falls in (a bar between two chunks
        goes to the earlier one; bars after the last chunk start new ones when it is half full or more,
        so an append rewrites at most half a chunk), chunks over ``chunk_bars`` split; unchanged series
        left out."""
        plan = Plan()
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
                merged, counts = merge(stored[keys[at]] if at in keys else Columns.empty(), batch.take(slot == at))
                plan.counts += counts
                if counts[0] or counts[1]:
                    parts[at] = split(merged, self.chunk_bars)
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

    async def _commit(self, base: tuple[int, Catalog], plan: Plan, catalog: Catalog, written: float) -> bool:
        """Publish ``plan`` (its documents and ``catalog``, of ``base``, inserted) as the commit after
        ``base``, or after newer commits that left its series as they were; False when one changed them
        (the plan must be merged again). What was inserted and not published is deleted later."""
        while time.monotonic() - written < self.grace_s / 2:  # past that, a sweep may take its documents
            number, found = base
            if await self._publish(number + 1, catalog.key):
                self._head = (number + 1, catalog)
                self._collect_later({**plan.garbage, CATALOGS: [found.key] if found.key else []})
                return True
            self._collect_later({CATALOGS: [catalog.key]})
            base = await self.head(exists=number + 1)
            if plan.changes(base[1]) != plan.changes(found):
                return False
            catalog = plan.catalog(base[1])
            await self.database[CATALOGS].insert_one(catalog.document())
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
            task = asyncio.ensure_future(self.delete(garbage))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

        handle = asyncio.get_running_loop().call_later(self.grace_s, start)
        self._pending.add(handle)

    async def delete(self, garbage: dict[str, list[str]]) -> None:
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
