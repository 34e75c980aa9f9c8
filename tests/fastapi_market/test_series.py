"""GET /series: the per-series summary of the store's catalog, on the test stack's real MongoDB-compatible server."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from apps.common.contracts import IngestReport, Problem, SeriesList, SeriesSummary
from apps.fastapi_market.main import create_app
from tests import http_client
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


def paged_count(client, symbol: str, timeframe: str = "1d") -> int:
    """How many bars a reader finds paging through the series."""
    count, params = 0, {"timeframe": timeframe, "limit": 1000}
    while True:
        page = client.get(f"/bars/{symbol}", params=params).json()
        count += len(page["bars"])
        if page["next_after"] is None:
            return count
        params["after"] = page["next_after"]


def test_the_summary_counts_new_bars_once_and_follows_the_first_and_last_bar(client):
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
    assert summary(client, symbol).bars == paged_count(client, symbol)


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

    def writer(client: TestClient, own: list[list[dict]]) -> list[IngestReport]:
        start.wait(timeout=30)
        return [ingest(client, batch) for batch in own]

    with TestClient(create_app(market_settings)) as first, TestClient(create_app(market_settings)) as second:
        # One request each first, one after the other: FastAPI builds its routes' validators on an app's
        # first request, silencing a pydantic warning with warnings.catch_warnings(), which two threads
        # at once undo for each other.
        for client in (first, second):
            client.get("/health/live").raise_for_status()
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = [r for rs in pool.map(writer, (first, second), [batches[0::2], batches[1::2]]) for r in rs]
    touched = {row["ts"] for batch in batches for row in batch}
    with TestClient(create_app(market_settings)) as client:
        found, paged = summary(client, symbol), paged_count(client, symbol)
    assert found.bars == paged == len(touched) == sum(r.inserted for r in reports)
    times = sorted(datetime.fromisoformat(ts) for ts in touched)
    assert (found.first_ts, found.last_ts) == (times[0], times[-1])


def test_concurrent_writers_over_http_keep_the_summary_exact(test_stack, test_urls):
    """Eight clients post overlapping batches at once to the running service."""
    symbol = unique_symbol("CONCHTTP")
    unique = [bar(i, symbol) for i in range(400)]
    batches = [[unique[(w * 37 + j) % 400] for j in range(150)] for w in range(8)]

    def post(batch):
        response = http_client.post(
            f"{test_urls['fastapi_market']}/bars", json={"bars": batch}, headers=TOKEN, timeout=60
        )
        assert response.status_code == 200, response.text
        return IngestReport.model_validate(response.json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        reports = list(pool.map(post, batches))
    answer = http_client.get(f"{test_urls['fastapi_market']}/series/{symbol}", timeout=10)
    touched = {row["ts"] for batch in batches for row in batch}
    assert SeriesSummary.model_validate(answer.json()).bars == len(touched) == sum(r.inserted for r in reports)
