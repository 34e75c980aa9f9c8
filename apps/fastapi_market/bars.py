"""Rows in, bars out: each row of a batch validated as a Bar, the valid ones written to the series
store (apps/fastapi_market/store.py), every row counted exactly once in the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from apps.common.contracts import Bar, IngestReport, RejectedBar
from apps.fastapi_market.store import SeriesStore


def bars_validate(rows: list[Any]) -> tuple[list[Bar], list[RejectedBar], int]:
    """Each row as a Bar, or rejected with its reasons; rows repeating an earlier key are folded.

    Returns (valid bars in row order, rejections by row, repeats identical to a row already kept).
    """
    kept: dict[tuple[str, str, datetime], tuple[int, Bar]] = {}
    rejected: list[RejectedBar] = []
    repeats = 0
    for index, row in enumerate(rows):
        try:
            bar = Bar.model_validate(row)
        except ValidationError as exc:
            reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()]
            rejected.append(RejectedBar(index=index, reasons=reasons))
            continue
        key = (bar.symbol, bar.timeframe, bar.ts)
        if key in kept:
            first, kept_bar = kept[key]
            if kept_bar == bar:
                repeats += 1
            else:
                reason = f"same symbol, timeframe and ts as row {first}, with other values"
                rejected.append(RejectedBar(index=index, reasons=[reason]))
            continue
        kept[key] = (index, bar)
    return [bar for _, bar in kept.values()], rejected, repeats


async def bars_ingest(store: SeriesStore, rows: list[Any]) -> IngestReport:
    """Validate ``rows`` and store the valid ones; the report counts each row once."""
    bars, rejections, repeats = bars_validate(rows)
    inserted, updated, unchanged = await store.write(bars) if bars else (0, 0, 0)
    return IngestReport(
        received=len(rows),
        inserted=inserted,
        updated=updated,
        unchanged=unchanged + repeats,
        rejected=len(rejections),
        rejections=rejections,
    )
