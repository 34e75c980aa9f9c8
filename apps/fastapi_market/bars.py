"""Rows in, bars out: each row of a batch validated as a Bar, the valid ones written to the series
store (apps/fastapi_market/store.py), every row counted exactly once in the report. A clean JSON batch
is validated straight from its bytes, its checks across fields column by column; any other batch is
validated row by row, which says what is wrong with each row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from apps.common.contracts import Bar, IngestReport, RejectedBar
from apps.common.contracts.market import MAX_BATCH, BarFields
from apps.fastapi_market.columns import UTC_MS, VALUES, Columns
from apps.fastapi_market.store import SeriesStore

OPEN, HIGH, LOW, CLOSE = (VALUES.index(name) for name in ("open", "high", "low", "close"))


class _JsonBatch(BaseModel):
    """A JSON body whose rows all have a bar's fields, at most MAX_BATCH of them (its other keys ignored,
    as the row-by-row path ignores them)."""

    bars: list[BarFields] = Field(max_length=MAX_BATCH)


@dataclass(frozen=True)
class Checked:
    """A batch validated: how many rows it had, its bars (the first of each key, by series), its rejected
    rows, and its rows that repeat a kept bar exactly."""

    received: int
    series: dict[str, Columns]
    rejections: list[RejectedBar]
    repeats: int


def bars_check_json(body: bytes) -> Checked | None:
    """A JSON body ``{"bars": [...]}`` of valid bars with distinct keys, validated in one pass over its
    bytes and then column by column; None when it is anything else (the caller then reads its rows and
    checks them one by one with ``bars_check``, which says what is wrong)."""
    try:
        rows = _JsonBatch.model_validate_json(body).bars
    except ValidationError:
        return None
    series = Columns.by_series(rows)
    for columns in series.values():
        ts, values = columns.ts, columns.values
        if not (
            (np.diff(ts) > 0).all()  # no two bars of a series with one ts (to the millisecond)
            and UTC_MS[0] <= ts[0]
            and ts[-1] <= UTC_MS[1]  # a time a UTC datetime can hold
            and (values[:, HIGH] >= np.maximum(values[:, OPEN], values[:, CLOSE])).all()
            and (values[:, LOW] <= np.minimum(values[:, OPEN], values[:, CLOSE])).all()
        ):
            return None
    return Checked(len(rows), series, [], 0)


def bars_check(rows: list[Any]) -> Checked:
    """Each row as a Bar, or rejected with its reasons; rows repeating an earlier key are folded."""
    valid: list[tuple[int, Bar]] = []
    rejections: list[RejectedBar] = []
    for index, row in enumerate(rows):
        try:
            valid.append((index, Bar.model_validate(row)))
        except ValidationError as exc:
            reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()]
            rejections.append(RejectedBar(index=index, reasons=reasons))
    kept, repeats = _fold(valid, rejections)
    return Checked(len(rows), Columns.by_series(kept), sorted(rejections, key=lambda r: r.index), repeats)


def _fold(valid: Iterable[tuple[int, Bar]], rejections: list[RejectedBar]) -> tuple[list[Bar], int]:
    """The first bar of each (symbol, timeframe, ts), in row order, and how many rows repeated one exactly;
    a row with the key of an earlier one and other values is added to ``rejections``."""
    kept: dict[tuple[str, str, datetime], tuple[int, Bar]] = {}
    repeats = 0
    for index, bar in valid:
        key = (bar.symbol, bar.timeframe, bar.ts)
        if key not in kept:
            kept[key] = (index, bar)
        elif kept[key][1] == bar:
            repeats += 1
        else:
            reason = f"same symbol, timeframe and ts as row {kept[key][0]}, with other values"
            rejections.append(RejectedBar(index=index, reasons=[reason]))
    return [bar for _, bar in kept.values()], repeats


async def bars_ingest(store: SeriesStore, checked: Checked) -> IngestReport:
    """Store the batch's bars; the report counts each row once."""
    inserted, updated, unchanged = await store.write(checked.series) if checked.series else (0, 0, 0)
    return IngestReport(
        received=checked.received,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged + checked.repeats,
        rejected=len(checked.rejections),
        rejections=checked.rejections,
    )
