"""Bring along the data an earlier FerretDB kept with its SQLite handler (before the embedded MongoDB
moved to PostgreSQL), so a developer who pulls the change loses no bar.

The old ``*.sqlite`` files of a server directory are moved aside into ``sqlite-legacy/`` (never
deleted), served once more by FerretDB's SQLite handler on a free port, and every document of every
database is copied into the new server, with its indexes; documents already there are left alone,
so an interrupted copy is simply run again. ``sqlite-legacy/MIGRATED`` records the counts. The bars
copied are those of the store before the series store; scripts/bootstrap_db.py moves them into it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts.private_db import ferretdb, processes
from scripts.private_db.processes import ServerError, ServerProcess
from scripts.private_db.servers import BIN_DIR, MongoServer
from scripts.stack_processes import free_port

if TYPE_CHECKING:
    from pymongo import MongoClient
    from pymongo.collection import Collection
    from pymongo.errors import BulkWriteError

LEGACY_DIR = "sqlite-legacy"
DONE_FILE = "MIGRATED"
BATCH = 1000
DUPLICATE_KEY = 11000


def legacy_dir(server: MongoServer) -> Path:
    return server.data_dir / LEGACY_DIR


def migrate_if_needed(server: MongoServer, say: Callable[[str], None]) -> str | None:
    """Copy the old SQLite data into ``server`` (which answers) once; None when there is none."""
    old = legacy_dir(server)
    files = server.legacy_sqlite_files()
    if not files and not (old.is_dir() and not (old / DONE_FILE).exists()):
        return None
    old.mkdir(exist_ok=True)
    for path in server.data_dir.glob("*.sqlite*"):  # the databases with their -wal and -shm files
        path.rename(old / path.name)
    say(
        f"{server.describe()}: found data of the earlier SQLite-backed FerretDB; copying it into "
        f"{server.engine()} (the old files stay in {processes.shown(old)})"
    )
    copied, already, collections = _copy(old, server.target.url, server.state_dir)
    summary = (
        f"copied {copied:,} documents of {collections} collections from the old SQLite data "
        f"({already:,} were already there); the old files are in {processes.shown(old)}"
    )
    (old / DONE_FILE).write_text(summary + "\n")
    return f"{server.describe()}: {summary}"


def _copy(sqlite_dir: Path, target_url: str, log_dir: Path) -> tuple[int, int, int]:
    from pymongo import MongoClient

    binary = ferretdb.find(BIN_DIR)
    if binary is None:
        raise ServerError(
            "cannot read the old SQLite data without FerretDB; run: python -m scripts.local_db prepare mongo"
        )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="aetherion-sqlite-") as state:
        source_url = f"mongodb://127.0.0.1:{port}/"
        source = ServerProcess(
            "ferretdb-sqlite",
            [
                binary,
                f"--sqlite-url=file:{sqlite_dir}/",
                *ferretdb.arguments(f"127.0.0.1:{port}", Path(state), "sqlite"),
            ],
            sqlite_dir,
            log_dir / "sqlite-migration.log",
            Path(state) / "ferretdb.pid",
            marker=state,
            ready=lambda: _pings(source_url),
        )
        child = processes.start(source, detached=False)
        try:
            processes.wait_ready(source, child, child.pid)
            with (
                MongoClient[dict[str, Any]](source_url, tz_aware=True) as old,
                MongoClient[dict[str, Any]](target_url, tz_aware=True) as new,
            ):
                return _copy_databases(old, new)
        finally:
            processes.stop(source, timeout=10)
            child.wait(10)


def _copy_databases(old: MongoClient[dict[str, Any]], new: MongoClient[dict[str, Any]]) -> tuple[int, int, int]:
    from pymongo.errors import BulkWriteError

    copied = already = collections = 0
    for database in old.list_database_names():
        if database in ("admin", "config", "local"):
            continue
        for name in old[database].list_collection_names():
            collections += 1
            source, target = old[database][name], new[database][name]
            for index in source.list_indexes():
                if index["name"] != "_id_":
                    options = {k: v for k, v in index.items() if k not in ("key", "v", "ns")}
                    target.create_index(list(index["key"].items()), **options)
            batch: list[dict[str, Any]] = []
            for document in source.find():
                batch.append(document)
                if len(batch) == BATCH:
                    added, skipped = _insert(target, batch, BulkWriteError)
                    copied, already, batch = copied + added, already + skipped, []
            if batch:
                added, skipped = _insert(target, batch, BulkWriteError)
                copied, already = copied + added, already + skipped
    return copied, already, collections


def _insert(
    collection: Collection[dict[str, Any]], documents: list[dict[str, Any]], bulk_error: type[BulkWriteError]
) -> tuple[int, int]:
    try:
        collection.insert_many(documents, ordered=False)
    except bulk_error as exc:
        errors = exc.details.get("writeErrors", [])
        refused = [e for e in errors if e.get("code") != DUPLICATE_KEY]
        if refused:
            raise ServerError(f"copying {collection.full_name}: {refused[0].get('errmsg')}") from None
        return len(documents) - len(errors), len(errors)
    return len(documents), 0


def _pings(url: str) -> bool:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    try:
        with MongoClient[dict[str, Any]](url, serverSelectionTimeoutMS=1000) as client:
            client.admin.command("ping")
    except PyMongoError:
        return False
    return True
