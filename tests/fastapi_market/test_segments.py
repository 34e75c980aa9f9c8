"""apps/fastapi_market/segments.py: packed segments, merged by timestamp, the latest segment winning."""

import asyncio
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pymongo import AsyncMongoClient, MongoClient

from apps.common.contracts import Bar
from apps.fastapi_market import segments
from apps.fastapi_market.segments import (
    COMPACT_AT,
    from_ms,
    merge,
    segment_document,
    segments_write,
    series_read,
    to_ms,
)

START = datetime(2020, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)


def bar(day: int, close: float = 10.0, symbol: str = "SEG") -> Bar:
    return Bar(
        symbol=symbol,
        timeframe="1d",
        ts=START + timedelta(days=day),
        open=close,
        high=close * 2,
        low=close / 2,
        close=close,
        volume=day * 1.5,
    )


def test_milliseconds_round_trip_exactly():
    for ts in (START, datetime(1969, 7, 20, 20, 17, 40, 1000, tzinfo=UTC), datetime(2262, 1, 1, tzinfo=UTC)):
        assert from_ms(to_ms(ts)) == ts


def test_a_segment_packs_every_value_and_merges_back_to_the_same_bars():
    bars = [bar(day, close=1 + day / 7) for day in (5, 1, 3)]
    merged = merge([segment_document("SEG", "1d", bars, version=1)])
    assert merged.bars("SEG", "1d") == sorted(bars, key=lambda b: b.ts)


def test_the_latest_segment_wins_a_timestamp_whatever_the_order_they_come_in():
    old = segment_document("SEG", "1d", [bar(0, 1.0), bar(1, 1.0)], version=10)
    new = segment_document("SEG", "1d", [bar(1, 2.0), bar(2, 2.0)], version=20)
    for documents in ([old, new], [new, old]):
        merged = merge(documents)
        assert merged.ts.tolist() == [to_ms(bar(d).ts) for d in (0, 1, 2)]
        assert merged.columns["close"].tolist() == [1.0, 2.0, 2.0]


def test_between_keeps_inclusive_bounds_and_what_comes_after():
    merged = merge([segment_document("SEG", "1d", [bar(d) for d in range(10)], version=1)])
    ms = [to_ms(bar(d).ts) for d in range(10)]
    assert merged.between(ms[2], ms[5]).ts.tolist() == ms[2:6]
    assert merged.between(None, None, after_ms=ms[7]).ts.tolist() == ms[8:]
    assert len(merge([])) == 0 and merge([]).bars("SEG", "1d") == []


@pytest.fixture
def segments_db(market_settings):
    name = segments.COLLECTION
    with MongoClient(market_settings.mongo.url) as client:
        client[market_settings.mongo.database][name].delete_many({"symbol": {"$regex": "^SEG"}})
    yield market_settings.mongo.url, market_settings.mongo.database


def test_concurrent_writers_compact_without_losing_a_bar(segments_db):
    """Sixteen writers at once, each a segment of its own, overlapping: compaction runs along the way."""
    url, database = segments_db

    async def scenario() -> tuple[np.ndarray, np.ndarray, int]:
        client = AsyncMongoClient(url, tz_aware=True)
        collection = client[database][segments.COLLECTION]
        writers = [
            [bar(day, close=float(day + 1), symbol="SEGC") for day in range(w * 30, w * 30 + 60)] for w in range(16)
        ]
        await asyncio.gather(*(segments_write(collection, bars) for bars in writers))
        series = await series_read(collection, "SEGC", "1d")
        left = await collection.count_documents({"symbol": "SEGC"})
        await client.close()
        return series.ts, series.columns["close"], left

    ts, closes, left = asyncio.run(scenario())
    days = range(15 * 30 + 60)
    assert ts.tolist() == [to_ms(bar(day).ts) for day in days]  # every bar once, in order
    assert closes.tolist() == [float(day + 1) for day in days]
    assert left <= COMPACT_AT + 16  # merged along the way (each writer may leave its merge behind)


def test_a_merged_segment_keeps_each_bars_version_so_a_later_write_still_wins():
    # A compaction merged S1 (v1) and S3 (v3); a writer's S2 (v2 < v3), made before that merge but
    # stored after it, holds the latest values of the bars only S1 had: they must win over S1's.
    s1 = segment_document("SEG", "1d", [bar(0, 1.0)], version=1)
    s3 = segment_document("SEG", "1d", [bar(5, 3.0)], version=3)
    merged = merge([s1, s3])
    compacted = segments._document("SEG", "1d", merged, version=3)
    s2 = segment_document("SEG", "1d", [bar(0, 2.0)], version=2)
    assert merge([compacted, s2]).columns["close"].tolist() == [2.0, 3.0]
