"""Rows in, bars out: each row of a batch validated as a Bar, the valid ones written to the series
store (apps/fastapi_market/store.py), every row counted exactly once in the report. A JSON batch is
validated straight from its bytes; only a batch with a bad row is validated row by row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from apps.common.contracts import Bar, IngestReport, RejectedBar
from apps.common.contracts.market import MAX_BATCH
from apps.fastapi_market.store import SeriesStore


class _JsonBatch(BaseModel):
    """A JSON body whose rows are all bars, at most MAX_BATCH of them (its other keys ignored, as the
    row-by-row path ignores them)."""

    bars: list[Bar] = Field(max_length=MAX_BATCH)


@dataclass(frozen=True)
class Checked:
    """A batch validated: how many rows it had, its bars (the first of each key, in row order), its
    rejected rows, and its rows that repeat a kept bar exactly."""

    received: int
    bars: list[Bar]
    rejections: list[RejectedBar]
    repeats: int


def bars_check_json(body: bytes) -> Checked | None:
    """A JSON body ``{"bars": [...]}`` validated in one pass over its bytes; None when it is anything
    else, has too many rows, or any row is not a bar (the caller then reads its rows and checks them one
    by one with ``bars_check``, to say what is wrong)."""
    try:
        bars = _JsonBatch.model_validate_json(body).bars
    except ValidationError:
        return None
    rejections: list[RejectedBar] = []
    kept, repeats = _fold(enumerate(bars), rejections)
    return Checked(len(bars), kept, rejections, repeats)


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
    return Checked(len(rows), kept, sorted(rejections, key=lambda r: r.index), repeats)


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
    inserted, updated, unchanged = await store.write(checked.bars) if checked.bars else (0, 0, 0)
    return IngestReport(
        received=checked.received,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged + checked.repeats,
        rejected=len(checked.rejections),
        rejections=checked.rejections,
    )
