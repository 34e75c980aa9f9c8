"""Made-up daily bars for the bench: as POST /bars takes them, and as fastapi_market stores them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from scripts.benchmarks.engine import closes_random_walk

T = TypeVar("T")
R = TypeVar("R")


def day_ts(day: int) -> str:
    """The ``ts`` of bar number ``day`` of a made-up series, as in its ``_id``."""
    return f"{datetime(1990, 1, 1, tzinfo=UTC) + timedelta(days=day):%Y-%m-%dT%H:%M:%S.000Z}"


def bars_generate(count: int, per_symbol: int, prefix: str = "BENCH", offset: int = 0) -> list[dict[str, Any]]:
    """``count`` daily bars, ``per_symbol`` per symbol named ``<prefix><n>``, from bar number ``offset`` on."""
    bars: list[dict[str, Any]] = []
    start = datetime(1990, 1, 1, tzinfo=UTC)
    closes = walk(per_symbol)
    for index in range(offset, offset + count):
        symbol_no, day = divmod(index, per_symbol)
        close = closes[day] * (1 + symbol_no / 100)
        bars.append(
            {
                "symbol": f"{prefix}{symbol_no}",
                "timeframe": "1d",
                "ts": (start + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "open": close,
                "high": round(close * 1.01, 4),
                "low": round(close * 0.99, 4),
                "close": close,
                "volume": 1_000_000 + day,
            }
        )
    return bars


@functools.cache
def walk(count: int) -> tuple[float, ...]:
    return tuple(closes_random_walk(count))


def concurrently(items: list[T], work: Callable[[T], R], threads: int) -> list[R]:
    """``work(item)`` for every item, ``threads`` at a time; the results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def bar_document(bar: dict[str, Any]) -> dict[str, Any]:
    """A bar as apps/fastapi_market/bars.py stores it: natural key as _id, ts as a datetime."""
    ts = datetime.strptime(bar["ts"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    return {"_id": f"{bar['symbol']}:{bar['timeframe']}:{bar['ts']}", **bar, "ts": ts}
