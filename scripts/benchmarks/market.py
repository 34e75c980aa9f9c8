"""The figures of fastapi_market and its MongoDB: ingest through POST /bars, GET /regime and GET /bars
under load, bar lookups and bulk updates, each beside what MongoDB does alone, then the same reads
with the bars collection filled to a million bars."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from scripts import bench_dashboard
from scripts.benchmarks.bars import bar_document, bars_generate, concurrently, day_ts
from scripts.benchmarks.engine import best_seconds
from scripts.benchmarks.figures import BATCH, INGEST_CLIENTS, READ_LOAD_CONNECTIONS, BenchError, Figure, rounded, say
from scripts.benchmarks.load import wrk
from scripts.benchmarks.stack import BENCH_MONGO_DB, BenchStack, fastapi_workers


def ingest(stack: BenchStack, fig: Figure, regime_symbol: str) -> None:
    """POST /bars from INGEST_CLIENTS clients at once, beside raw insert_many of the same documents
    from as many clients into a collection of their own."""
    import httpx
    from pymongo import MongoClient

    s = stack.scale
    bars = bars_generate(s.ingest_bars, s.regime_bars)
    batches = [bars[first : first + BATCH] for first in range(0, len(bars), BATCH)]
    url = f"{stack.ports.url('fastapi_market')}/bars"
    headers = {"Authorization": f"Bearer {stack.token}"}
    started = time.perf_counter()

    def post(batch: list[dict[str, Any]], client: httpx.Client) -> int:
        if time.perf_counter() - started > s.ingest_budget_s and batch[0]["symbol"] != regime_symbol:
            return 0
        response = client.post(url, json={"bars": batch})
        if response.status_code != 200 or response.json()["inserted"] != len(batch):
            raise BenchError(f"POST /bars answered {response.status_code}: {response.text[:300]}")
        return len(batch)

    with httpx.Client(timeout=120, headers=headers) as client:
        posted = concurrently(batches, lambda batch: post(batch, client), INGEST_CLIENTS)
    service_s = time.perf_counter() - started
    sent = sum(posted)
    documents = [[bar_document(bar) for bar in batch] for batch, count in zip(batches, posted, strict=True) if count]
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        collection = mongo[BENCH_MONGO_DB]["bars_insert_baseline"]
        collection.drop()
        started = time.perf_counter()
        concurrently(documents, lambda docs: collection.insert_many(docs, ordered=False), INGEST_CLIENTS)
        raw_s = time.perf_counter() - started
        collection.drop()
    fig.value, fig.baseline = sent / service_s, sent / raw_s
    fig.notes.update(bars=sent, batch=BATCH, clients=INGEST_CLIENTS, fastapi_workers=fastapi_workers(stack.prod_env))
    stack.bars_stored = sent
    if sent < s.ingest_bars:
        fig.notes["stopped_after_s"] = s.ingest_budget_s
    say(f"  POST /bars: {sent:,} bars at {fig.value:,.0f}/s; insert_many {fig.baseline:,.0f}/s")


def regime_p50(stack: BenchStack, symbol: str) -> tuple[float, float, int]:
    """p50 and p99 (ms) of GET /regime/{symbol}?lookback=regime_bars, and how many were timed.

    One connection, request after request (as wrk -c1), but no request is cut off at the end of
    a time window: on a slow server each one may take seconds.
    """
    import httpx

    url = f"{stack.ports.url('fastapi_market')}/regime/{symbol}?lookback={stack.scale.regime_bars}"
    times: list[float] = []
    with httpx.Client(timeout=120) as client:
        started = time.perf_counter()
        while len(times) < 200 and (len(times) < 6 or time.perf_counter() - started < stack.scale.latency_s + 2):
            begun = time.perf_counter()
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                raise BenchError(f"GET {url} failed: {type(exc).__name__}") from None
            if response.status_code != 200:
                raise BenchError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
            times.append((time.perf_counter() - begun) * 1000)
    times = times[1:]  # the first warms the connection
    p50, p99 = statistics.median(times), statistics.quantiles(times, n=100, method="inclusive")[98]
    say(
        f"  GET /regime/{symbol}?lookback={stack.scale.regime_bars}: {len(times)} requests, p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms ({stack.bars_stored:,} bars stored)"
    )
    return p50, p99, len(times)


def regime_endpoint(stack: BenchStack, fig: Figure, symbol: str) -> None:
    import numpy as np
    from pymongo import MongoClient

    from apps.common.contracts import RegimeParams
    from apps.flask_regime.engine import regimes_detect

    n = stack.scale.regime_bars
    p50, p99, count = regime_p50(stack, symbol)
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        docs = mongo[BENCH_MONGO_DB]["bars"].find({"symbol": symbol, "timeframe": "1d"}, {"close": True}).sort("ts", 1)
        closes = np.array([doc["close"] for doc in docs], dtype=float)
    if len(closes) != n:
        raise BenchError(f"{symbol} has {len(closes)} bars stored, expected {n}")
    params = RegimeParams()
    fig.value = p50
    fig.baseline = best_seconds(lambda: regimes_detect(closes, params), 20) * 1000
    fig.notes.update(bars=n, p99_ms=rounded(p99), requests=count, bars_in_collection=stack.bars_stored)


def lookup_p50(stack: BenchStack, count: int = 60) -> float:
    """p50 (ms) of find_one by _id for stored bars picked at random, straight to the server."""
    from pymongo import MongoClient

    rng = random.Random(11)
    symbols = max(1, min(stack.bars_stored, stack.scale.ingest_bars) // stack.scale.regime_bars)  # the BENCH<n> ones
    keys = [f"BENCH{rng.randrange(symbols)}:1d:{day_ts(rng.randrange(stack.scale.regime_bars))}" for _ in range(count)]
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        bars = mongo[BENCH_MONGO_DB]["bars"]
        times = []
        for key in keys:
            begun = time.perf_counter()
            if bars.find_one({"_id": key}) is None:
                raise BenchError(f"bar {key} is not stored")
            times.append((time.perf_counter() - begun) * 1000)
    return statistics.median(times[5:])


def update_40(stack: BenchStack, fig: Figure) -> None:
    """One update command of 40 UpdateOne by _id, beside the same 40 updates as single commands."""
    import asyncio

    from pymongo import AsyncMongoClient, MongoClient, UpdateOne

    keys = [f"BENCH1:1d:{day_ts(day)}" for day in range(40)]
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        bars = mongo[BENCH_MONGO_DB]["bars"]
        started = time.perf_counter()
        bars.bulk_write([UpdateOne({"_id": key}, {"$set": {"volume": 7}}) for key in keys], ordered=False)
        fig.value = (time.perf_counter() - started) * 1000

    async def singles() -> float:
        client = AsyncMongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000)
        slots = asyncio.Semaphore(8)

        async def one(key: str) -> None:
            async with slots:
                await client[BENCH_MONGO_DB]["bars"].update_one({"_id": key}, {"$set": {"volume": 8}})

        begun = time.perf_counter()
        await asyncio.gather(*(one(key) for key in keys))
        took = (time.perf_counter() - begun) * 1000
        await client.close()
        return took

    fig.baseline = asyncio.run(singles())
    fig.notes.update(bars_in_collection=stack.bars_stored)
    say(f"  40 updates: one command {fig.value:,.0f} ms; 40 single commands, 8 at once {fig.baseline:,.0f} ms")


def read_load(stack: BenchStack, pages: Figure, regimes: Figure, symbol: str) -> None:
    """wrk at READ_LOAD_CONNECTIONS connections with a 10 s client timeout on a page of bars and on a regime."""
    base = stack.ports.url("fastapi_market")
    for fig, url in ((pages, f"{base}/bars/{symbol}?limit=100"), (regimes, f"{base}/regime/{symbol}")):
        load = wrk(url, stack.scale.read_load_s, connections=READ_LOAD_CONNECTIONS, timeout_s=10, allow_none=True)
        fig.value = load.rps
        fig.notes.update(
            timeouts=load.timeouts,
            non_2xx=load.non_2xx,
            requests=load.requests,
            p50_ms=rounded(load.p50_ms),
            p99_ms=rounded(load.p99_ms),
            bars_in_collection=stack.bars_stored,
        )


def fill_to(stack: BenchStack, total: int) -> float:
    """Made-up bars of other symbols until ``total`` bars are stored, written as POST /bars would
    (the bars, and their series' segments) but straight to MongoDB; the seconds it took."""
    from pymongo import MongoClient

    from apps.common.contracts import Bar
    from apps.fastapi_market.segments import COLLECTION, segment_document

    missing = total - stack.bars_stored
    if missing <= 0:
        return 0.0
    per_symbol = stack.scale.regime_bars
    started = time.perf_counter()
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        bars, segments = mongo[BENCH_MONGO_DB]["bars"], mongo[BENCH_MONGO_DB][COLLECTION]

        def insert(first: int) -> None:
            documents = [
                bar_document(bar)
                for bar in bars_generate(min(BATCH, missing - first), per_symbol, "FILL", offset=first)
            ]
            bars.insert_many(documents, ordered=False)
            by_symbol: dict[str, list[Bar]] = {}
            for doc in documents:
                bar = Bar.model_construct(**{k: v for k, v in doc.items() if k != "_id"})
                by_symbol.setdefault(doc["symbol"], []).append(bar)
            segments.insert_many([segment_document(symbol, "1d", series) for symbol, series in by_symbol.items()])

        concurrently(list(range(0, missing, BATCH)), insert, INGEST_CLIENTS)
    stack.bars_stored = total
    took = time.perf_counter() - started
    say(f"  filled to {total:,} bars stored in {took:.0f} s ({missing / took:,.0f} bars/s)")
    return took


def measure_market(stack: BenchStack, f: dict[str, Figure], symbol: str) -> None:
    """The figures of fastapi_market and its MongoDB, in order: each one's data is the last one's."""
    s = stack.scale
    say(f"ingest: up to {s.ingest_bars:,} bars through POST /bars (at most ~{s.ingest_budget_s:g} s)")
    ingest(stack, f["ingest_bars_per_s"], symbol)
    say(f"regime endpoint: GET /regime/{symbol} over {s.regime_bars:,} bars")
    regime_endpoint(stack, f["regime_endpoint_p50_ms"], symbol)
    say("series summary: GET /series beside counting one series in MongoDB")
    fig = f["series_summary_ms"]
    fig.value, fig.baseline, notes = bench_dashboard.series_summary_ms(
        stack.ports.url("fastapi_market"), stack.mongo_url, BENCH_MONGO_DB, symbol
    )
    fig.notes.update(notes)
    say(f"bar lookups, a 40-update command, read load: {stack.bars_stored:,} bars stored")
    lookup_before = lookup_p50(stack)
    update_40(stack, f["update_40_ms"])
    read_load(stack, f["read_load_pages_rps"], f["read_load_regime_rps"], symbol)
    say(f"scaling: the bars collection filled to {s.large_bars:,} bars")
    fill_s = fill_to(stack, s.large_bars)
    p50_large, p99_large, count = regime_p50(stack, symbol)
    scaling = f["regime_read_scaling"]
    scaling.value, scaling.baseline = p50_large, f["regime_endpoint_p50_ms"].value
    scaling.notes.update(
        bars_in_collection=stack.bars_stored, p99_ms=rounded(p99_large), requests=count, filled_in_s=rounded(fill_s)
    )
    lookup = f["bar_lookup_ms"]
    lookup.value, lookup.baseline = lookup_p50(stack), lookup_before
    lookup.notes.update(bars_in_collection=stack.bars_stored)
