"""The market database's indexes, declared once: scripts/bootstrap_db.py creates them."""

from pymongo import ASCENDING, IndexModel

INDEXES: dict[str, list[IndexModel]] = {
    # One bar per symbol, timeframe and timestamp, whatever the number of concurrent writers.
    "bars": [
        IndexModel(
            [("symbol", ASCENDING), ("timeframe", ASCENDING), ("ts", ASCENDING)],
            name="bars_symbol_timeframe_ts",
            unique=True,
        )
    ],
    # A series' packed segments (apps/fastapi_market/segments.py), read all at once, oldest first.
    "bar_segments": [
        IndexModel(
            [("symbol", ASCENDING), ("timeframe", ASCENDING), ("version", ASCENDING)], name="bar_segments_series"
        )
    ],
    # The ingest ledger (apps/fastapi_market/series.py), read by symbol and timeframe.
    "series_ledger": [
        IndexModel([("symbol", ASCENDING), ("timeframe", ASCENDING)], name="series_ledger_symbol_timeframe"),
    ],
}

# The fields each collection is filtered on by equality. FerretDB over PostgreSQL turns such a filter
# into `_jsonb->'field' @> value`, which its own (btree) indexes cannot serve, so every such query
# would read the whole table; scripts/bootstrap_db.py backs each field with a GIN expression index
# on the collection's table when the server is this project's private FerretDB.
EQUALITY_FILTERS: dict[str, list[str]] = {
    "bars": ["_id", "symbol"],
    "bar_segments": ["_id", "symbol"],
    "series_ledger": ["symbol"],
}
