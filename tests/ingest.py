"""Bars for the ingest fault tests: made up deterministically, posted in batches, read back from the
series store itself and through the service."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from pymongo import AsyncMongoClient

from apps.fastapi_market.store import SeriesStore
from tests import http_client
from tests.stack import TOKEN

COUNT_FIELDS = ("inserted", "updated", "unchanged", "rejected")


def make_bars(symbol: str, count: int, first: datetime = datetime(2000, 1, 3, tzinfo=UTC)) -> list[dict]:
    """``count`` daily bars of ``symbol``, a gentle deterministic walk (the same call, the same bars)."""
    bars = []
    for day in range(count):
        close = 100 + (day % 37) * 0.5 + day * 0.01
        bars.append(
            {
                "symbol": symbol,
                "timeframe": "1d",
                "ts": (first + timedelta(days=day)).isoformat(),
                "open": close - 0.25,
                "high": close + 1.0,
                "low": close - 1.0,
                "close": close,
                "volume": 1000 + day,
            }
        )
    return bars


def bar_key(bar: dict) -> tuple[str, str, datetime]:
    return bar["symbol"], bar["timeframe"], datetime.fromisoformat(bar["ts"])


def unique_set(bars: list[dict]) -> dict[tuple, float]:
    """Each distinct bar's key and close."""
    return {bar_key(bar): bar["close"] for bar in bars}


def post_bars(
    base_url: str, bars: list[dict], client: httpx.Client | None = None, timeout: float = 120
) -> httpx.Response:
    """POST ``bars`` as one JSON batch with the test token (on ``client``'s pool when given)."""
    return (client or httpx).post(f"{base_url}/bars", json={"bars": bars}, headers=TOKEN, timeout=timeout)


def counts_add_up(report: dict, sent: int) -> bool:
    """Every row of a batch is counted exactly once in its report."""
    return report["received"] == sent and sum(report[name] for name in COUNT_FIELDS) == sent


@dataclass
class BatchLog:
    """What a client saw: acknowledged batches with their reports, and batches never acknowledged."""

    acknowledged: list[tuple[list[dict], dict]] = field(default_factory=list)
    unacknowledged: list[list[dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, batch: list[dict], response: httpx.Response | None) -> None:
        with self.lock:
            if response is not None and response.is_success:
                self.acknowledged.append((batch, response.json()))
            else:
                self.unacknowledged.append(batch)

    def totals(self) -> dict[str, int]:
        return {name: sum(report[name] for _, report in self.acknowledged) for name in COUNT_FIELDS}

    def acknowledged_bars(self) -> list[dict]:
        return [bar for batch, _ in self.acknowledged for bar in batch]


def stored_bars(mongo_url: str, database: str, symbols: list[str]) -> dict[tuple, float]:
    """Every bar the series store of ``database`` holds for ``symbols``, read straight from MongoDB: key and close."""

    async def read() -> dict[tuple, float]:
        client = AsyncMongoClient(mongo_url, tz_aware=True, serverSelectionTimeoutMS=5000)
        try:
            store, found = SeriesStore(client[database]), {}
            for summary in await store.summaries():
                if summary.symbol in symbols:
                    columns = await store.read(summary.symbol, summary.timeframe, -(2**62), 2**62, summary.bars + 1)
                    for bar in columns.bars(summary.symbol, summary.timeframe):
                        found[(bar.symbol, bar.timeframe, bar.ts)] = bar.close
            return found
        finally:
            await client.close()

    return asyncio.run(read())


def read_back(market: str, symbols: list[str]) -> dict[tuple, float]:
    """Every bar of ``symbols`` as GET /bars gives them, page after page: key and close."""
    found = {}
    with httpx.Client(timeout=60) as client:
        for symbol in symbols:
            after = None
            while True:
                params = {"limit": 1000, **({"after": after} if after else {})}
                page = client.get(f"{market}/bars/{symbol}", params=params)
                assert page.status_code == 200, page.text
                body = page.json()
                found.update(
                    {(symbol, b["timeframe"], datetime.fromisoformat(b["ts"])): b["close"] for b in body["bars"]}
                )
                if body["next_after"] is None:
                    break
                after = body["next_after"]
    return found


def series_counts(market: str, symbols: list[str]) -> dict[str, int]:
    """What GET /series says each of ``symbols`` holds (daily bars)."""
    listed = http_client.get(f"{market}/series", timeout=30).json()["series"]
    return {s["symbol"]: s["bars"] for s in listed if s["symbol"] in symbols and s["timeframe"] == "1d"}
