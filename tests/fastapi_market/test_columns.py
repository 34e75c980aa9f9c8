"""apps/fastapi_market/columns.py and chunks.py: bars as arrays, a batch merged into stored bars, chunks packed."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from apps.common.contracts import Bar
from apps.fastapi_market.chunks import merge, pack, split, unpack
from apps.fastapi_market.columns import Columns, from_ms, to_ms

START = datetime(2020, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)


def bar(day: int, close: float = 10.0, symbol: str = "COL") -> Bar:
    return Bar(
        symbol=symbol,
        timeframe="1d",
        ts=START + timedelta(days=day),
        open=close,
        high=close * 2,
        low=close / 2,
        close=close,
        volume=abs(day) * 1.5,
    )


def columns(days: list[int], close: float = 10.0) -> Columns:
    return Columns.of_bars([bar(day, close) for day in days])


def test_milliseconds_round_trip_exactly():
    for ts in (START, datetime(1969, 7, 20, 20, 17, 40, 1000, tzinfo=UTC), datetime(2262, 1, 1, tzinfo=UTC)):
        assert from_ms(to_ms(ts)) == ts


def test_columns_sort_by_time_and_give_the_same_bars_back():
    bars = [bar(day, close=1 + day / 7) for day in (5, 1, 3)]
    assert Columns.of_bars(bars).bars("COL", "1d") == sorted(bars, key=lambda b: b.ts)


def test_a_packed_chunk_unpacks_to_the_same_bars():
    original = Columns.of_bars([bar(day, close=1 + day / 3) for day in range(500)])
    document = pack(original)
    assert document["count"] == 500
    back = unpack(document)
    assert back.ts.tolist() == original.ts.tolist() and np.array_equal(back.values, original.values)


def test_merge_counts_new_changed_and_same_bars_and_the_batch_wins():
    stored = columns(list(range(0, 10)))
    batch = Columns.concat([columns([-2, -1]), columns([3, 4], close=11.0), columns([5, 6]), columns([20])])
    merged, counts = merge(stored, batch)
    assert counts == (3, 2, 2)
    days = [-2, -1, *range(10), 20]
    assert merged.ts.tolist() == [to_ms(bar(day).ts) for day in days]
    closes = dict(zip(days, merged.values[:, 3].tolist(), strict=True))
    assert closes[3] == closes[4] == 11.0 and closes[5] == 10.0
    again, counts = merge(merged, batch)
    assert counts == (0, 0, 7)
    assert np.array_equal(again.values, merged.values)


def test_merge_into_nothing_inserts_everything():
    merged, counts = merge(Columns.empty(), columns([4, 2, 9]))
    assert counts == (3, 0, 0) and len(merged) == 3


@pytest.mark.parametrize(("count", "most"), [(0, 4), (4, 4), (5, 4), (13, 4), (4001, 4000), (12_345, 4000)])
def test_split_keeps_order_and_parts_between_half_full_and_full(count, most):
    whole = columns(list(range(count)))
    parts = split(whole, most)
    sizes = [len(part) for part in parts]
    assert len(parts) == max(1, -(-count // most)) and max(sizes) <= most
    assert count <= most or min(sizes) >= most // 2
    assert Columns.concat(parts).ts.tolist() == whole.ts.tolist()


def test_between_keeps_inclusive_bounds():
    whole = columns(list(range(10)))
    ms = whole.ts.tolist()
    assert whole.between(ms[2], ms[5]).ts.tolist() == ms[2:6]
    assert len(whole.between(ms[5], ms[2])) == 0 and len(Columns.empty().between(0, 1)) == 0
