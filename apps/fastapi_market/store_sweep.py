"""The series store's sweep (run by scripts/bootstrap_db.py): what a stopped process left behind, its
documents that no commit of the last ``grace_s`` seconds (nor the newest before them) reaches and that
are older than that, deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apps.fastapi_market.store import SeriesStore
from apps.fastapi_market.versions import ACTIONS, CATALOGS, CHUNKS, COMMITS, INDEXES, Catalog, commit_id


async def store_sweep(store: SeriesStore) -> dict[str, int]:
    """Sweep ``store``; how many documents of each collection were deleted."""
    database = store.database
    number, _ = await store.head()
    since = datetime.now(UTC) - timedelta(seconds=store.grace_s)
    keep: dict[str, set[str]] = {CATALOGS: set(), INDEXES: set(), CHUNKS: set(), ACTIONS: set()}
    while number > 0:
        commit = await database[COMMITS].find_one({"_id": commit_id(number)}) or {}
        keep[CATALOGS].add(commit.get("catalog", ""))
        if commit.get("created", since).replace(tzinfo=UTC) < since:
            break
        number -= 1
    for key in list(keep[CATALOGS]):
        document = await database[CATALOGS].find_one({"_id": key})
        if document is not None:
            catalog = Catalog.of(document)
            keep[INDEXES].update(entry.index for entry in catalog.entries.values())
            keep[ACTIONS].update(catalog.actions.values())
    for key in keep[INDEXES]:
        keep[CHUNKS].update((await database[INDEXES].find_one({"_id": key}) or {}).get("chunks", []))
    removed = {}
    for collection, kept in keep.items():
        documents = database[collection].find({}, {"created": True})
        old = [d["_id"] async for d in documents if d["created"].replace(tzinfo=UTC) < since]
        stale = [key for key in old if key not in kept]
        await store.delete({collection: stale})
        removed[collection] = len(stale)
    return removed
