"""How many bars each series holds, and its first and last bar: an insert-only ledger kept at ingest.

Counting the bars themselves is no option on every server: FerretDB over PostgreSQL decodes every
document for ``count``/``estimated_document_count`` (77 s at 1,000,000 bars), answers a ``$group``
with ``$max`` "not implemented", and pushes down only equality filters (no sort, no limit, no
range). A counter document kept with ``$inc`` would be small to read, but FerretDB runs an update as
read-modify-write with no lock, so concurrent writers lose increments.

So every write that inserts bars adds one small document per series it touched to the ledger
collection, *after* the bars' insert succeeded: ``symbol``, ``timeframe``, ``inserted`` (the bars
this insert added; a bar already stored is never counted again, since only one insert of a key
can succeed) and the ``first_ts``/``last_ts`` of those bars. Nothing is ever updated, so concurrent
writers cannot lose anything; a series' summary is the sum of its documents' ``inserted`` and the
min/max of their times, read with an equality filter at most. Bars are never deleted by the
service, so the sums stay exact.

What the ledger cannot see: a process killed (or the database lost) between a bars insert and its
ledger insert leaves those bars out. ``series_backfill`` rebuilds the ledger from the bars when it
is empty (``scripts/bootstrap_db.py`` runs it): drop the collection and bootstrap to recount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from apps.common.contracts import SeriesSummary
from apps.fastapi_market.documents import Documents, SyncDatabase

LEDGER = "series_ledger"
_SUMMARY_FIELDS = {"_id": False, "symbol": True, "timeframe": True, "inserted": True, "first_ts": True, "last_ts": True}


def ledger_entries(bars: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One ledger document per (symbol, timeframe) among ``bars`` (stored bar documents): their count and times."""
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for bar in bars:
        entry = entries.get((bar["symbol"], bar["timeframe"]))
        if entry is None:
            entries[(bar["symbol"], bar["timeframe"])] = {
                "symbol": bar["symbol"],
                "timeframe": bar["timeframe"],
                "inserted": 1,
                "first_ts": bar["ts"],
                "last_ts": bar["ts"],
            }
        else:
            entry["inserted"] += 1
            entry["first_ts"] = min(entry["first_ts"], bar["ts"])
            entry["last_ts"] = max(entry["last_ts"], bar["ts"])
    return list(entries.values())


def summaries_fold(entries: Iterable[Mapping[str, Any]]) -> list[SeriesSummary]:
    """The ledger documents of any number of series as one summary per series, by symbol then timeframe."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        key = (entry["symbol"], entry["timeframe"])
        total = totals.get(key)
        if total is None:
            totals[key] = {
                "symbol": key[0],
                "timeframe": key[1],
                "bars": entry["inserted"],
                "first_ts": entry["first_ts"],
                "last_ts": entry["last_ts"],
            }
        else:
            total["bars"] += entry["inserted"]
            total["first_ts"] = min(total["first_ts"], entry["first_ts"])
            total["last_ts"] = max(total["last_ts"], entry["last_ts"])
    return [SeriesSummary.model_validate(totals[key]) for key in sorted(totals)]


async def series_record(ledger: Documents, inserted: Iterable[Mapping[str, Any]]) -> None:
    """Add the ledger documents of ``inserted``: bar documents that an insert has just stored (none is fine)."""
    entries = ledger_entries(inserted)
    if entries:
        recorded = datetime.now(UTC)
        await ledger.insert_many([{**entry, "recorded": recorded} for entry in entries], ordered=False)


async def series_read(
    ledger: Documents, *, symbol: str | None = None, timeframe: str | None = None
) -> list[SeriesSummary]:
    """Every series' summary, or those of ``symbol`` (and ``timeframe``): equality filters only."""
    query = {name: value for name, value in (("symbol", symbol), ("timeframe", timeframe)) if value is not None}
    return summaries_fold(await ledger.find(query, _SUMMARY_FIELDS).to_list())


def series_backfill(database: SyncDatabase) -> int:
    """When the ledger is empty but bars are stored (bars written before the ledger existed), build it
    from one scan of the bars; return how many bars it counted (0 when there was nothing to do).

    Run it while no service writes bars (the migration step): a bar inserted during the scan could
    be counted by the scan and by its own ledger document.
    """
    ledger = database[LEDGER]
    if ledger.find_one({}, {"_id": True}) is not None or database["bars"].find_one({}, {"_id": True}) is None:
        return 0
    scanned = database["bars"].find({}, {"_id": False, "symbol": True, "timeframe": True, "ts": True})
    entries = ledger_entries(scanned)
    recorded = datetime.now(UTC)
    ledger.insert_many([{**entry, "recorded": recorded, "backfill": True} for entry in entries], ordered=False)
    return sum(entry["inserted"] for entry in entries)
