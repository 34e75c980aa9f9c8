"""Prepare the databases: create the MySQL database, apply Django's migrations, check MongoDB, create
the series store's collections and the regime fits' (with their GIN indexes on this project's
FerretDB), and move the bars an earlier version kept into the store. Safe to run again: it changes
only what is missing, and says so.

    python -m scripts.bootstrap_db [--profile dev]

In the production profile (the migrate job) Django's deploy checks and the project's run first
(apps/django_core/deploy_checks.py): a warning stops it, exit 2, before any database changes.
Progress goes to stderr; the exit code is 0 when every step succeeded, 1 when one failed, 2 for the
configuration.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apps.common.config import ConfigError, current_profile
from apps.common.databases import MongoTarget, MySQLTarget, check_identifier
from apps.common.mysql_advice import mysql_advice
from scripts.profile_option import profile_parser

if TYPE_CHECKING:
    from apps.fastapi_market.settings import MarketDatabase


class BootstrapError(Exception):
    """A failed step; the message names the server and says how to fix it."""


class DeployCheckFailed(Exception):
    """Production's deploy checks reported something: nothing was migrated (the message is the report)."""


def say(message: str) -> None:
    print(f"bootstrap: {message}", file=sys.stderr, flush=True)


def mysql_database_ensure(target: MySQLTarget) -> bool:
    """Create ``target.database`` if missing; True when it was created."""
    import MySQLdb

    name = check_identifier(target.database)  # checked again here: it is about to become SQL
    try:
        conn = MySQLdb.connect(
            host=target.host, port=target.port, user=target.user, password=target.password, connect_timeout=5
        )
    except MySQLdb.OperationalError as exc:
        raise BootstrapError(str(mysql_advice(target, exc))) from None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,))
            if cursor.fetchone():
                return False
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            return True
    except MySQLdb.OperationalError as exc:
        raise BootstrapError(str(mysql_advice(target, exc))) from None
    finally:
        conn.close()  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated


def django_migrate() -> int:
    """Apply Django's pending migrations; return how many were applied."""
    import django
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
    django.setup()
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        raise BootstrapError(f"Django migrations failed: {exc}") from None
    return len(plan)


def market_collections() -> tuple[str, ...]:
    """fastapi_market's collections, each read by ``_id`` alone: the series store's and the regime fits'."""
    from apps.fastapi_market.markov_fits import FITS
    from apps.fastapi_market.versions import COLLECTIONS

    return (*COLLECTIONS, FITS)


def mongo_collections_ensure(target: MongoTarget, timeout_ms: int) -> tuple[str, list[str]]:
    """Ping MongoDB and create the series store's missing collections; return the server's name and
    the collections created."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from apps.common.database_servers import mongo_server_name_sync

    client = MongoClient[dict[str, Any]](target.url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        db = client[target.database]
        missing = [name for name in market_collections() if name not in db.list_collection_names()]
        for name in missing:  # made now, so that FerretDB's tables exist for their GIN indexes
            db.create_collection(name)
        return mongo_server_name_sync(db), missing
    except PyMongoError as exc:
        raise _mongo_error(target, exc) from None
    finally:
        client.close()


def store_upkeep(target: MongoTarget, timeout_ms: int) -> tuple[str | None, int]:
    """Move an earlier version's ``bars`` collection into the series store (scripts/legacy_bars.py),
    then sweep what no version of the store needs; what was moved (None: nothing) and how many
    documents were swept."""
    import asyncio

    from pymongo import AsyncMongoClient
    from pymongo.errors import PyMongoError

    from apps.fastapi_market.store import SeriesStore
    from apps.fastapi_market.store_sweep import store_sweep
    from scripts.legacy_bars import legacy_bars_move

    async def upkeep() -> tuple[str | None, int]:
        client = AsyncMongoClient[dict[str, Any]](
            target.url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, tz_aware=True
        )
        try:
            moved = await legacy_bars_move(client[target.database])
            swept = await store_sweep(SeriesStore(client[target.database]))
            return (moved.describe() if moved else None), sum(swept.values())
        finally:
            await client.close()

    try:
        return asyncio.run(upkeep())
    except PyMongoError as exc:
        raise _mongo_error(target, exc) from None


def _mongo_error(target: MongoTarget, exc: Exception) -> BootstrapError:
    first_line = str(exc).split(",")[0].splitlines()[0]
    return BootstrapError(
        f"MongoDB at {target.address}: {first_line}; start it (make run starts a private one) "
        "or fix MONGO_URL in config/fastapi_market.local.env"
    )


def ferretdb_gin_indexes_ensure(target: MongoTarget) -> tuple[str, bool]:
    """On this project's private FerretDB, back the store's lookups by ``_id`` with GIN indexes; say
    what it did, and whether it changed anything."""
    from scripts.private_db.servers import private_cluster_of

    cluster = private_cluster_of(target)
    if cluster is None:
        return (
            "FerretDB's PostgreSQL is not one this project started: its filters are not indexed "
            "(see the README, 'The embedded MongoDB')"
        ), False
    from scripts.private_db.postgresql import gin_indexes_ensure

    created = []
    with cluster.connect(database="ferretdb") as conn:
        for collection in market_collections():
            created += [
                f"{collection}.{field}" for field in gin_indexes_ensure(conn, target.database, collection, ["_id"])
            ]
    said = f"created {', '.join(created)}" if created else "up to date"
    return f"GIN indexes for FerretDB's filters: {said}", bool(created)


def bootstrap(profile: str) -> tuple[bool, list[str]]:
    """Run every step of each database, the second even when the first fails; whether anything
    changed, and what failed (one line each)."""
    from apps.django_core.env import load_settings as django_settings
    from apps.fastapi_market.settings import load_database

    os.environ["APP_ENV"] = profile  # Django's settings read the same profile
    mysql = django_settings(profile).mysql
    market = load_database(profile)  # not fastapi_market's token: the job holds only what it uses
    if profile == "production":  # the migrate job's first step: nothing changes in a deployment that fails them
        from apps.django_core.deploy_checks import deploy_check_report

        report = deploy_check_report()
        if report:
            raise DeployCheckFailed(report)
        say("deploy checks (Django's check --deploy and the project's): no issues")
    changed, failures = False, []
    steps: list[Callable[[], bool]] = [lambda: mysql_bootstrap(mysql), lambda: mongo_bootstrap(market)]
    for step in steps:
        try:
            changed = step() or changed
        except (BootstrapError, ValueError) as exc:
            failures.append(str(exc))
    return changed, failures


def mysql_bootstrap(mysql: MySQLTarget) -> bool:
    created = mysql_database_ensure(mysql)
    say(f"MySQL {mysql.address}: database {mysql.database} {'created' if created else 'already exists'}")
    applied = django_migrate()
    say(f"Django migrations: {f'applied {applied}' if applied else 'up to date'}")
    return bool(created or applied)


def mongo_bootstrap(market: MarketDatabase) -> bool:
    server, created = mongo_collections_ensure(market.mongo, market.mongo_timeout_ms)
    say(
        f"MongoDB {market.mongo.address} ({server}): ping ok; database {market.mongo.database}: "
        f"{'created collections ' + ', '.join(created) if created else 'collections in place'}"
    )
    gin_created = False
    if server.endswith("+ PostgreSQL"):
        gin, gin_created = ferretdb_gin_indexes_ensure(market.mongo)
        say(f"MongoDB {market.mongo.address}: {gin}")
    moved, swept = store_upkeep(market.mongo, market.mongo_timeout_ms)
    if moved:
        say(f"MongoDB {market.mongo.address}: {moved}")
    if swept:
        say(f"MongoDB {market.mongo.address}: the series store: removed {swept:,} documents no version needs")
    return bool(created or gin_created or moved or swept)


def main(argv: list[str] | None = None) -> int:
    parser = profile_parser("python -m scripts.bootstrap_db", __doc__)
    args = parser.parse_args(argv)
    try:
        changed, failures = bootstrap(args.profile or current_profile())
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except DeployCheckFailed as exc:
        print(exc, file=sys.stderr)
        say("stopped before touching a database: the deploy checks above failed")
        return 2
    for failure in failures:
        say(f"failed: {failure}")
    if failures:
        return 1
    say("done" if changed else "nothing to do: everything was already in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
