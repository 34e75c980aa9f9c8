"""apps/fastapi_market/bars.py: a JSON batch checked column by column decides exactly as the same rows
checked one by one as Bars; every clean batch takes the column path, every other one the row path."""

import json
from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.fastapi_market.bars import Checked, bars_check, bars_check_json

EXAMPLES = settings(max_examples=300, deadline=None, database=None, derandomize=True)
offsets = st.integers(-23 * 60, 23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
instants = st.one_of(
    st.sampled_from([datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 0, 999), datetime(2024, 1, 1, 0, 0, 0, 1_000)]),
    st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999_999)]),  # the edges of UTC
    st.datetimes(min_value=datetime(1, 1, 1)),
)
iso_times = st.builds(lambda instant, offset: instant.replace(tzinfo=offset).isoformat(), instants, offsets)
other_times = st.sampled_from(["1700000000", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01T00:00:00Z"])
prices = st.sampled_from([1.0, 2.0, 2.5, 3.0])


def bar_rows(symbols: list[str], timeframes: list[str], times, prices, volumes: list[int]):
    return st.fixed_dictionaries(
        {
            "symbol": st.sampled_from(symbols),
            "timeframe": st.sampled_from(timeframes),
            "ts": times,
            **{name: prices for name in ("open", "high", "low", "close")},
            "volume": st.sampled_from(volumes),
        }
    )


# Each field valid on its own (though ts may be out of UTC's range, and high and low anywhere).
field_rows = bar_rows(["AAA", "BBB"], ["1d", "1m"], iso_times, prices, [0, 10])
any_rows = bar_rows(
    ["AAA", "bad symbol"], ["1d", "2d"], st.one_of(iso_times, other_times), st.sampled_from([0.0, 2.0]), [10, -1]
)
clean_rows = field_rows.filter(lambda row: row["high"] >= max(row["open"], row["close"]) >= row["low"])


def same(a: Checked, b: Checked) -> bool:
    """Whether two checks of one batch found the same: rows, bars of each series, rejections, repeats."""
    return (
        (a.received, a.rejections, a.repeats, list(a.series)) == (b.received, b.rejections, b.repeats, list(b.series))
        and all(np.array_equal(a.series[name].ts, b.series[name].ts) for name in a.series)
        and all(np.array_equal(a.series[name].values, b.series[name].values) for name in a.series)
    )


def check_both(batch: list[dict]) -> None:
    by_rows = bars_check(batch)
    by_columns = bars_check_json(json.dumps({"bars": batch}).encode())
    clean = not by_rows.rejections and not by_rows.repeats
    assert (by_columns is not None) == clean, (by_rows, by_columns)
    assert by_columns is None or same(by_columns, by_rows), (by_rows, by_columns)


@EXAMPLES
@given(st.lists(field_rows, max_size=6))
def test_batches_of_rows_valid_field_by_field_are_checked_alike_by_rows_and_by_columns(batch):
    check_both(batch)


@EXAMPLES
@given(st.lists(st.one_of(field_rows, any_rows), max_size=6))
def test_any_batch_is_checked_alike_by_rows_and_by_columns(batch):
    check_both(batch)


@EXAMPLES
@given(st.lists(clean_rows, max_size=8), st.data())
def test_batches_of_valid_bars_with_repeated_keys_go_by_rows(batch, data):
    """Valid rows only, some of them sent again as they are or with other values."""
    again = data.draw(st.lists(st.sampled_from(batch), max_size=3)) if batch else []
    changed = (
        [{**row, "volume": row["volume"] + 1} for row in data.draw(st.lists(st.sampled_from(batch), max_size=2))]
        if batch
        else []
    )
    check_both(batch + again + changed)


def test_a_clean_batch_goes_by_columns_and_each_kind_of_bad_row_by_rows():
    good = {
        "symbol": "AAA",
        "timeframe": "1d",
        "ts": "2024-01-01T00:00:00Z",
        "open": 2,
        "high": 3,
        "low": 1,
        "close": 2,
        "volume": 5,
    }
    assert bars_check_json(json.dumps({"bars": [good]}).encode()) is not None
    for bad in (
        {"high": 1.5},  # below open and close
        {"low": 2.5},  # above open and close
        {"ts": "0001-01-01T00:00:00+01:00"},  # before the first UTC time
        {"ts": "2024-01-01T00:00:00.0004+00:00"},  # the same millisecond as the good row
    ):
        batch = [good, {**good, **bad}]
        assert bars_check_json(json.dumps({"bars": batch}).encode()) is None, bad
        assert bars_check(batch).rejections or bars_check(batch).repeats, bad
