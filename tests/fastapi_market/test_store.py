"""The series store's invariants (apps/fastapi_market/store.py), on the real MongoDB-compatible server:
one source of truth, exact counts, concurrent writers that lose nothing, reads that cost the page,
and superseded documents deleted only once no reader can need them."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient, MongoClient, monitoring

from apps.common.contracts import Bar
from apps.fastapi_market.columns import Columns, to_ms
from apps.fastapi_market.store import SeriesStore
from apps.fastapi_market.store_sweep import store_sweep
from apps.fastapi_market.versions import ACTIONS, CATALOGS, CHUNKS, COLLECTIONS, COMMITS, INDEXES, Catalog, commit_id

START = datetime(2021, 3, 1, tzinfo=UTC)
ALL = (-(2**62), 2**62)


def minute(n: int) -> datetime:
    return START + timedelta(minutes=n)


def bar(n: int, close: float = 10.0, symbol: str = "ST") -> Bar:
    return Bar(
        symbol=symbol, timeframe="1m", ts=minute(n), open=close, high=close + 1, low=close / 2, close=close, volume=n
    )


def closes(columns: Columns) -> list[tuple[int, float]]:
    return list(zip(columns.ts.tolist(), columns.values[:, 3].tolist(), strict=True))


@pytest.fixture
def database(market_settings):
    """A database of this test's own on the test stack's MongoDB server, dropped afterwards."""
    name = f"aetherion_store_{uuid.uuid4().hex[:8]}"
    yield market_settings.mongo.url, name
    with MongoClient(market_settings.mongo.url) as client:
        client.drop_database(name)


def on_store(database, scenario, listeners=()):
    """``scenario(db)`` on an async client of ``database``, in an event loop of its own."""
    url, name = database

    async def main():
        client = AsyncMongoClient(url, tz_aware=True, event_listeners=list(listeners))
        try:
            return await scenario(client[name])
        finally:
            await client.close()

    return asyncio.run(main())


async def read_whole(store: SeriesStore, symbol: str = "ST", page: int = 97) -> list[tuple[int, float]]:
    """Every bar of a series as a reader pages through it: (ts ms, close)."""
    found, lo = [], ALL[0]
    while len(chunk := await store.read(symbol, "1m", lo, ALL[1], page)):
        found += closes(chunk)
        lo = int(chunk.ts[-1]) + 1
    return found


async def reachable(db, number: int) -> dict[str, set[str]]:
    """The keys of every document commit ``number`` reaches."""
    commit = await db[COMMITS].find_one({"_id": commit_id(number)})
    catalog = Catalog.of(await db[CATALOGS].find_one({"_id": commit["catalog"]}))
    indexes = {entry.index for entry in catalog.entries.values()}
    chunks = set()
    for key in indexes:
        chunks.update((await db[INDEXES].find_one({"_id": key}))["chunks"])
    return {COMMITS: {commit_id(number)}, CATALOGS: {catalog.key}, INDEXES: indexes, CHUNKS: chunks}


async def existing(db, keys: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: {k for k in wanted if await db[name].find_one({"_id": k}, {"_id": True})} for name, wanted in keys.items()
    }


def test_every_view_reads_one_truth_and_every_write_is_counted_exactly(database):
    """Random overlapping writes over small chunks, checked against a model: each write's counts,
    then the pages, the newest bars and the summary all give the model, from the store's collections alone."""
    rng = random.Random(7)
    model: dict[int, float] = {}

    async def scenario(db):
        store = SeriesStore(db, chunk_bars=50)
        for _ in range(40):
            start, size = rng.randrange(0, 2000), rng.randrange(1, 300)
            minutes = sorted({rng.randrange(start, start + 2 * size) for _ in range(size)})
            close = float(rng.randrange(1, 5))
            expected = [0, 0, 0]
            for n in minutes:
                expected[0 if n not in model else 2 if model[n] == close else 1] += 1
                model[n] = close
            rng.shuffle(minutes)
            assert await store.write(Columns.by_series([bar(n, close) for n in minutes])) == tuple(expected)
        fresh = SeriesStore(db)  # another process's view
        return (
            await fresh.summaries(),
            await read_whole(fresh),
            await fresh.read("ST", "1m", *ALL, 333, newest=True),
            await db.list_collection_names(),
        )

    (summary,), paged, newest, names = on_store(database, scenario)
    truth = sorted((to_ms(minute(n)), close) for n, close in model.items())
    assert paged == truth
    assert closes(newest) == truth[-333:]
    assert (summary.bars, summary.first_ts, summary.last_ts) == (len(model), minute(min(model)), minute(max(model)))
    assert set(names) <= set(COLLECTIONS)  # no second copy, no ledger


def test_sending_a_batch_again_changes_nothing(database):
    async def scenario(db):
        store = SeriesStore(db, chunk_bars=30)
        batch = [bar(n, close=1.0 + n % 7) for n in range(100)]
        first = await store.write(Columns.by_series(batch))
        commits = await db[COMMITS].count_documents({})
        documents = {name: await db[name].count_documents({}) for name in COLLECTIONS}
        again = await SeriesStore(db, chunk_bars=30).write(Columns.by_series(list(reversed(batch))))
        return first, again, commits, documents, {name: await db[name].count_documents({}) for name in COLLECTIONS}

    first, again, commits, before, after = on_store(database, scenario)
    assert (first, again) == ((100, 0, 0), (0, 0, 100))
    assert commits == 1 and after == before  # no new version, no new document


def test_concurrent_writers_lose_nothing_and_the_last_write_wins_everywhere(database):
    """Four stores (as four processes: own caches, own locks) write overlapping batches with
    different values at once; then one more write over all of them."""

    async def writer(store: SeriesStore, w: int) -> list[tuple[int, int, int]]:
        reports = []
        for k in range(6):
            batch = [bar(n, close=float(w + 1)) for n in range(w * 25 + k * 30, w * 25 + k * 30 + 90)]
            reports.append((len(batch), *await store.write(Columns.by_series(batch))))
        return reports

    async def scenario(db):
        stores = [SeriesStore(db, chunk_bars=40) for _ in range(4)]
        reports = [r for rs in await asyncio.gather(*(writer(s, w) for w, s in enumerate(stores))) for r in rs]
        views = [await read_whole(s) for s in stores]
        newest = [closes(await s.read("ST", "1m", *ALL, 10_000, newest=True)) for s in stores]
        counts = [(await s.summaries())[0].bars for s in stores]
        touched = sorted({ts for ts, _ in views[0]})
        await stores[0].write(Columns.by_series([bar(n, close=9.0) for n in range(len(touched))]))
        after = [await read_whole(s) for s in stores]
        return reports, views, newest, counts, after

    reports, views, newest, counts, after = on_store(database, scenario)
    written = {to_ms(minute(n)): set() for n in range(3 * 25 + 5 * 30 + 90)}
    for w in range(4):
        for k in range(6):
            for n in range(w * 25 + k * 30, w * 25 + k * 30 + 90):
                written[to_ms(minute(n))].add(float(w + 1))
    assert all(sent == sum(rest) for sent, *rest in reports)  # every bar of every batch counted once
    assert sum(inserted for _, inserted, _, _ in reports) == len(written)  # each bar inserted once, by someone
    assert all(view == views[0] for view in views) and newest == views  # every reader sees the same
    assert counts == [len(written)] * 4
    assert [ts for ts, _ in views[0]] == sorted(written) and all(c in written[ts] for ts, c in views[0])
    assert all(view == [(ts, 9.0) for ts in sorted(written)] for view in after)


class ChunkReads(monitoring.CommandListener):
    """Counts the chunk documents fetched while ``counting``."""

    def __init__(self):
        self.counting, self.chunks = False, 0

    def started(self, event):
        if self.counting and event.command_name == "find" and event.command["find"] == CHUNKS:
            self.chunks += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_a_read_fetches_the_chunks_that_cover_it_whatever_the_series_length(database):
    listener = ChunkReads()

    async def reads(store: SeriesStore, symbol: str, length: int) -> list[int]:
        newest_hundred = to_ms(minute(length - 100))
        fetched = []
        for read in (
            store.read(symbol, "1m", *ALL, 101),
            store.read(symbol, "1m", newest_hundred, ALL[1], 101),
            store.read(symbol, "1m", *ALL, 250, newest=True),
        ):
            listener.counting, listener.chunks = True, 0
            assert len(await read) in (100, 101, 250)
            listener.counting = False
            fetched.append(listener.chunks)
        return fetched

    async def scenario(db):
        store = SeriesStore(db, chunk_bars=100)
        for symbol, length in (("SHORT", 500), ("LONG", 30_000)):
            for first in range(0, length, 5_000):
                await store.write(
                    Columns.by_series([bar(n, symbol=symbol) for n in range(first, min(length, first + 5_000))])
                )
        return await reads(store, "SHORT", 500), await reads(store, "LONG", 30_000)

    short, long = on_store(database, scenario, [listener])
    assert long == short  # 60 times the bars, the same chunks fetched
    assert long[0] <= 3 and long[1] <= 2 and long[2] <= 6  # chunks hold 50 to 100 bars


def test_what_a_commit_supersedes_outlives_it_by_the_grace_then_goes(database):
    async def scenario(db):
        store = SeriesStore(db, chunk_bars=10, grace_s=5.0)  # long enough to look, even on a busy machine
        await store.write(Columns.by_series([bar(n) for n in range(30)]))
        first = await reachable(db, 1)
        await store.write(Columns.by_series([bar(5, close=99.0)]))  # replaces one chunk, the index and the catalog
        second = await reachable(db, 2)
        right_after = await existing(db, first)
        deadline = time.monotonic() + 60
        superseded = {name: first[name] - second[name] for name in (CATALOGS, INDEXES, CHUNKS)}
        while any((await existing(db, superseded)).values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        return first, second, superseded, right_after, await existing(db, superseded), await existing(db, second)

    first, second, superseded, right_after, left, current = on_store(database, scenario)
    assert [len(superseded[name]) for name in (CATALOGS, INDEXES, CHUNKS)] == [1, 1, 1]
    assert right_after == first  # a reader of version 1 can still read it whole
    assert not any(left.values()), f"not collected: {left}"
    assert current == second  # the newest version is whole


def test_the_sweep_deletes_what_a_stopped_process_left_and_nothing_a_recent_commit_reaches(database):
    async def scenario(db):
        writer = SeriesStore(db, chunk_bars=10)
        await writer.write(Columns.by_series([bar(n) for n in range(30)]))
        await writer.write(Columns.by_series([bar(n, close=3.0) for n in range(25, 40)]))
        await writer.close()  # stopped before it collected what the second write superseded
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        for name in COLLECTIONS:  # as if it all happened an hour ago
            await db[name].update_many({}, {"$set": {"created": an_hour_ago}})
        await db[CHUNKS].insert_one({"_id": "orphan-old", "created": an_hour_ago})  # a write that died then
        await db[CHUNKS].insert_one({"_id": "orphan-new", "created": datetime.now(UTC)})  # a write under way
        before = await existing(db, await reachable(db, 1))
        removed = await store_sweep(SeriesStore(db, grace_s=60))
        newest = await reachable(db, 2)
        kept = await existing(db, {CHUNKS: {"orphan-new"}})
        return before, removed, await existing(db, newest), newest, kept, await read_whole(SeriesStore(db))

    before, removed, current, newest, kept, paged = on_store(database, scenario)
    assert len(before[CHUNKS]) == 3  # version 1 was still whole
    assert removed == {CATALOGS: 1, INDEXES: 1, CHUNKS: 2, ACTIONS: 0}  # what only version 1 reached, the old orphan
    assert current == newest and kept == {CHUNKS: {"orphan-new"}}
    assert len(paged) == 40
