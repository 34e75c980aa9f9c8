"""GET /series: the per-series summary kept at ingest, on the real MongoDB-compatible server of the test stack."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient

from apps.common.contracts import IngestReport, Problem, SeriesList, SeriesSummary
from apps.fastapi_market.main import create_app
from apps.fastapi_market.series import LEDGER, ledger_entries, series_backfill, summaries_fold
from tests.fastapi_market.test_bars import START, TOKEN, bar


def unique_symbol(prefix: str = "SER") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def ingest(client, rows) -> IngestReport:
    response = client.post("/bars", json={"bars": rows}, headers=TOKEN)
    assert response.status_code == 200, response.text
    return IngestReport.model_validate(response.json())


def summary(client, symbol: str, timeframe: str = "1d") -> SeriesSummary:
    response = client.get(f"/series/{symbol}", params={"timeframe": timeframe})
    assert response.status_code == 200, response.text
    return SeriesSummary.model_validate(response.json())


def stored_count(settings, symbol: str, timeframe: str = "1d") -> int:
    with MongoClient(settings.mongo.url) as mongo:
        return mongo[settings.mongo.database]["bars"].count_documents({"symbol": symbol, "timeframe": timeframe})


def test_the_summary_counts_new_bars_once_and_follows_the_first_and_last_bar(client, market_settings):
    symbol = unique_symbol()
    ingest(client, [bar(i, symbol) for i in range(10, 40)])
    assert summary(client, symbol) == SeriesSummary(
        symbol=symbol, timeframe="1d", bars=30, first_ts=START + timedelta(days=10), last_ts=START + timedelta(days=39)
    )
    # The same bars again, some changed, some new on both sides: only the new ones count.
    report = ingest(client, [bar(i, symbol, close=100.0 if i < 30 else 101.0) for i in range(0, 50)])
    assert (report.inserted, report.updated, report.unchanged) == (20, 10, 20)
    assert summary(client, symbol) == SeriesSummary(
        symbol=symbol, timeframe="1d", bars=50, first_ts=START, last_ts=START + timedelta(days=49)
    )
    assert summary(client, symbol).bars == stored_count(market_settings, symbol)


def test_every_series_of_a_mixed_batch_is_listed_by_symbol_then_timeframe(client):
    first, second = sorted(unique_symbol() for _ in range(2))
    rows = (
        [bar(i, first) for i in range(5)]
        + [bar(i, second) for i in range(3)]
        + [bar(i, first, timeframe="1w") for i in range(2)]
    )
    ingest(client, rows)
    listed = SeriesList.model_validate(client.get("/series").json()).series
    mine = [(s.symbol, s.timeframe, s.bars) for s in listed if s.symbol in (first, second)]
    assert mine == [(first, "1d", 5), (first, "1w", 2), (second, "1d", 3)]
    assert [(s.symbol, s.timeframe) for s in listed] == sorted((s.symbol, s.timeframe) for s in listed)


def test_an_unknown_series_is_a_404_problem_and_a_bad_symbol_a_422(client):
    response = client.get("/series/NOSUCH1", params={"timeframe": "1h"})
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert Problem.model_validate(response.json()).detail == "No 1h bars for NOSUCH1."
    assert client.get("/series/bad symbol").status_code == 422
    assert client.get("/series/AAPL", params={"timeframe": "2d"}).status_code == 422


def test_a_rejected_batch_records_nothing(client):
    symbol = unique_symbol()
    report = ingest(client, [bar(0, symbol, high=1.0)])
    assert report.rejected == 1
    assert client.get(f"/series/{symbol}").status_code == 404


def test_concurrent_writers_without_a_shared_lock_keep_the_summary_exact(market_settings):
    """Two app instances (two clients, two event loops, two write locks: as two processes) post
    overlapping batches at once; the summary equals the bars stored, and each bar counts once."""
    symbol = unique_symbol("CONCSER")
    unique = [bar(i, symbol) for i in range(300)]
    batches = [[unique[(w * 53 + j) % 300] for j in range(120)] for w in range(6)]  # overlapping windows
    start = threading.Barrier(2)

    def writer(own: list[list[dict]]) -> list[IngestReport]:
        with TestClient(create_app(market_settings)) as client:
            start.wait(timeout=30)
            return [ingest(client, batch) for batch in own]

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = [r for rs in pool.map(writer, [batches[0::2], batches[1::2]]) for r in rs]
    touched = {row["ts"] for batch in batches for row in batch}
    with TestClient(create_app(market_settings)) as client:
        found = summary(client, symbol)
    assert found.bars == stored_count(market_settings, symbol) == len(touched) == sum(r.inserted for r in reports)
    times = sorted(datetime.fromisoformat(ts) for ts in touched)
    assert (found.first_ts, found.last_ts) == (times[0], times[-1])


def test_concurrent_writers_over_http_keep_the_summary_exact(test_stack, test_urls):
    """Eight clients post overlapping batches at once to the running service."""
    symbol = unique_symbol("CONCHTTP")
    unique = [bar(i, symbol) for i in range(400)]
    batches = [[unique[(w * 37 + j) % 400] for j in range(150)] for w in range(8)]

    def post(batch):
        response = httpx.post(f"{test_urls['fastapi_market']}/bars", json={"bars": batch}, headers=TOKEN, timeout=60)
        assert response.status_code == 200, response.text
        return IngestReport.model_validate(response.json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        reports = list(pool.map(post, batches))
    answer = httpx.get(f"{test_urls['fastapi_market']}/series/{symbol}", timeout=10)
    touched = {row["ts"] for batch in batches for row in batch}
    assert SeriesSummary.model_validate(answer.json()).bars == len(touched) == sum(r.inserted for r in reports)


def test_the_ledger_folds_into_one_summary_per_series():
    ts = [START + timedelta(days=d) for d in range(4)]
    docs = [
        {"symbol": "A", "timeframe": "1d", "ts": ts[2]},
        {"symbol": "A", "timeframe": "1d", "ts": ts[0]},
        {"symbol": "B", "timeframe": "1d", "ts": ts[1]},
    ]
    entries = ledger_entries(docs) + ledger_entries([{"symbol": "A", "timeframe": "1d", "ts": ts[3]}])
    assert sorted((e["symbol"], e["inserted"]) for e in entries) == [("A", 1), ("A", 2), ("B", 1)]
    assert summaries_fold(entries) == [
        SeriesSummary(symbol="A", timeframe="1d", bars=3, first_ts=ts[0], last_ts=ts[3]),
        SeriesSummary(symbol="B", timeframe="1d", bars=1, first_ts=ts[1], last_ts=ts[1]),
    ]
    assert summaries_fold([]) == [] and ledger_entries([]) == []


@pytest.fixture
def scratch_database(market_settings):
    """A MongoDB database of this test's own on the test stack's server, dropped afterwards."""
    name = f"aetherion_ledger_{uuid.uuid4().hex[:8]}"
    with MongoClient(market_settings.mongo.url, tz_aware=True) as mongo:
        yield mongo[name]
        mongo.drop_database(name)


def test_backfill_builds_the_ledger_of_bars_stored_before_it_existed_once(scratch_database):
    day = datetime(2020, 1, 1, tzinfo=UTC)
    scratch_database["bars"].insert_many(
        [{"symbol": "OLD", "timeframe": "1d", "ts": day + timedelta(days=d), "close": 1.0} for d in range(7)]
        + [{"symbol": "OLD", "timeframe": "1h", "ts": day, "close": 1.0}]
    )
    assert series_backfill(scratch_database) == 8
    assert summaries_fold(scratch_database[LEDGER].find({})) == [
        SeriesSummary(symbol="OLD", timeframe="1d", bars=7, first_ts=day, last_ts=day + timedelta(days=6)),
        SeriesSummary(symbol="OLD", timeframe="1h", bars=1, first_ts=day, last_ts=day),
    ]
    assert series_backfill(scratch_database) == 0  # the ledger is there now: nothing counted twice
    assert scratch_database[LEDGER].count_documents({}) == 2


def test_backfill_of_an_empty_database_does_nothing(scratch_database):
    assert series_backfill(scratch_database) == 0
    assert LEDGER not in scratch_database.list_collection_names()
