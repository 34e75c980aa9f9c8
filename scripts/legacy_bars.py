"""Move the bars an earlier version kept (one document per bar in ``bars``, with the copies
``bar_segments`` and ``series_ledger`` beside it) into the series store, once.

Every valid bar is written through the store, as ``POST /bars`` would; then ``bars`` is renamed
``legacy_bars`` (kept, with any document that is not a valid bar), and the two copies are dropped.
An interrupted move is simply run again: writing a bar the store holds changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from apps.common.contracts import Bar
from apps.fastapi_market.columns import Columns
from apps.fastapi_market.documents import MarketDatabase
from apps.fastapi_market.store import SeriesStore

LEGACY, KEPT_AS, COPIES = "bars", "legacy_bars", ("bar_segments", "series_ledger")
BATCH = 10_000


@dataclass(frozen=True)
class Moved:
    bars: int  # valid bars read from the old collection
    series: int
    inserted: int  # of them, not in the store before
    left_out: int  # documents that are not valid bars (they stay in the kept collection)
    kept_as: str

    def describe(self) -> str:
        left = f"; {self.left_out:,} documents left out, not valid bars" if self.left_out else ""
        return (
            f"moved {self.bars:,} bars of {self.series} series from the bars collection of an earlier version "
            f"into the series store ({self.inserted:,} new to it{left}); the old collection is kept as {self.kept_as}"
        )


async def legacy_bars_move(database: MarketDatabase) -> Moved | None:
    """Move ``bars`` into the series store of ``database``; None when there is no ``bars`` collection."""
    if LEGACY not in await database.list_collection_names():
        return None
    store = SeriesStore(database)
    bars = inserted = left_out = 0
    series: set[tuple[str, str]] = set()
    batch: list[Bar] = []

    async def flush() -> None:
        nonlocal inserted
        if batch:
            inserted += (await store.write(Columns.by_series(batch)))[0]
            batch.clear()

    try:
        async for document in database[LEGACY].find({}, {"_id": False}):
            try:
                bar = Bar.model_validate(document)
            except (ValidationError, TypeError):
                left_out += 1
                continue
            batch.append(bar)
            series.add((bar.symbol, bar.timeframe))
            bars += 1
            if len(batch) == BATCH:
                await flush()
        await flush()
    finally:
        await store.close()
    kept_as = KEPT_AS
    names = await database.list_collection_names()
    while kept_as in names:  # an earlier move's: keep both
        kept_as += "_"
    await database[LEGACY].rename(kept_as)
    for copy in COPIES:
        await database.drop_collection(copy)
    return Moved(bars, len(series), inserted, left_out, kept_as)
