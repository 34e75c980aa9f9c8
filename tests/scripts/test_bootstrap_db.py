"""scripts/bootstrap_db.py against the session's real MySQL and MongoDB."""

import json
import os
import signal
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import MySQLdb
import pytest
from pymongo import MongoClient

from apps.django_core.env import load_settings as django_settings
from apps.fastapi_market.settings import load_settings as market_settings
from scripts import bootstrap_db
from scripts.private_db.servers import MongoServer, private_cluster_of
from scripts.stack_processes import run_module
from tests.ingest import stored_bars
from tests.stack import clean_env, wait_until


def schemas(target) -> set[str]:
    conn = MySQLdb.connect(host=target.host, port=target.port, user=target.user, password=target.password)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
            return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


@pytest.fixture
def fresh_names(session_databases):
    """A database name of this test's own on each server, dropped afterwards."""
    mysql, mongo = django_settings("test").mysql, market_settings("test").mongo
    name = f"aetherion_boot_{uuid.uuid4().hex[:8]}"
    yield mysql, mongo, name
    conn = MySQLdb.connect(host=mysql.host, port=mysql.port, user=mysql.user, password=mysql.password)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()
    with MongoClient(mongo.url) as client:
        client.drop_database(name)


def run_bootstrap(**env) -> subprocess.CompletedProcess:
    return run_module("scripts.bootstrap_db", clean_env(**env), 120)


def test_creates_migrates_indexes_then_has_nothing_to_do(fresh_names):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}

    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert f"database {name} created" in first.stderr
    assert "Django migrations: applied" in first.stderr
    assert f"created collections {', '.join(bootstrap_db.market_collections())}" in first.stderr
    assert name in schemas(mysql)
    with MongoClient(mongo.url) as client:
        assert set(client[name].list_collection_names()) == set(bootstrap_db.market_collections())

    second = run_bootstrap(**env)
    assert second.returncode == 0, second.stderr
    assert f"database {name} already exists" in second.stderr
    assert "Django migrations: up to date" in second.stderr
    assert "collections in place" in second.stderr
    assert second.stderr.strip().endswith("nothing to do: everything was already in place")


BAD_NAMES = [
    "x; DROP DATABASE mysql",
    "core`; DROP TABLE t; --",
    "a b",
    "x' OR '1'='1",
    "x/**/UNION/**/SELECT",
    "aetherion_core;",
    "mysql.user",
    "../../etc",
    "ünïcode_db",
    "1x",
    "a" * 65,
    "x\\",
    "x$(reboot)",
]


def mongo_databases() -> set[str]:
    with MongoClient(market_settings("test").mongo.url) as client:
        return set(client.list_database_names())


@pytest.mark.parametrize("name", BAD_NAMES)
def test_refuses_a_database_name_that_is_not_an_identifier_and_touches_nothing(
    name, session_databases, monkeypatch, capsys
):
    mysql = django_settings("test").mysql
    before = schemas(mysql), mongo_databases()
    monkeypatch.setenv("MYSQL_URL", f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}")
    assert bootstrap_db.main(["--profile", "test"]) == 2
    error = capsys.readouterr().err
    assert "MYSQL_URL: database name" in error and "is not a plain identifier" in error
    assert len(error.strip().splitlines()) == 1
    assert (schemas(mysql), mongo_databases()) == before


def test_the_real_command_refuses_an_injected_name(session_databases):
    mysql = django_settings("test").mysql
    before = schemas(mysql), mongo_databases()
    result = run_bootstrap(MYSQL_URL=f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{BAD_NAMES[0]}")
    assert result.returncode == 2
    assert "is not a plain identifier" in result.stderr and "Traceback" not in result.stderr
    assert (schemas(mysql), mongo_databases()) == before


def test_unreachable_mysql_is_one_clear_line_and_mongodb_is_still_prepared(session_databases, monkeypatch, capsys):
    monkeypatch.setenv("MYSQL_URL", "mysql://app:secret@127.0.0.1:1/aetherion_core")
    assert bootstrap_db.main(["--profile", "test"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    (failed,) = [line for line in lines if "failed" in line]
    assert failed == lines[-1] and failed.startswith("bootstrap: failed: MySQL at 127.0.0.1:1: connection refused")
    assert "MYSQL_URL in config/django_core.local.env" in failed
    assert any(line.startswith("bootstrap: MongoDB ") and "ping ok" in line for line in lines)


def plan_of(mongo_url: str, database: str, collection: str, query: dict) -> str:
    """FerretDB's explain of a find: PostgreSQL's plan, as text."""
    with MongoClient(mongo_url) as client:
        answer = client[database].command("explain", {"find": collection, "filter": query}, verbosity="queryPlanner")
    return json.dumps(answer["queryPlanner"])


def test_ferretdb_lookups_get_gin_indexes_that_outlive_restarts(own_mongodb, fresh_names, session_databases):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert f"MongoDB {mongo.address} (FerretDB 1.24.1 + PostgreSQL): ping ok" in first.stderr
    created = ", ".join(f"{collection}._id" for collection in bootstrap_db.market_collections())
    assert f"GIN indexes for FerretDB's filters: created {created}" in first.stderr

    def served_by_gin() -> bool:
        collections = bootstrap_db.market_collections()
        plans = [plan_of(mongo.url, name, collection, {"_id": "any"}) for collection in collections]
        return all("Bitmap Index Scan" in plan and "id_aetherion_gin" in plan for plan in plans)

    assert served_by_gin()
    assert "GIN indexes for FerretDB's filters: up to date" in run_bootstrap(**env).stderr  # idempotent

    ferretdb_pid = int(MongoServer(mongo, "test").pid_file.read_text())  # the test's own, under `local_db run`
    os.kill(ferretdb_pid, signal.SIGKILL)
    wait_until(
        lambda: (
            MongoServer(mongo, "test").pid_file.read_text().strip() != str(ferretdb_pid)
            and MongoServer(mongo, "test").answers()
        ),
        30,
        "FerretDB restarted by its supervisor",
    )
    assert served_by_gin()  # FerretDB restarted
    assert private_cluster_of(mongo) is not None


def test_bars_of_an_earlier_version_move_into_the_store_once(fresh_names):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    day = datetime(2010, 1, 4, tzinfo=UTC)
    old = [
        {
            "_id": f"{symbol}:{timeframe}:{n}",
            "symbol": symbol,
            "timeframe": timeframe,
            "ts": day + timedelta(days=n),
            "open": 2.0,
            "high": 3.0 + n,
            "low": 1.0,
            "close": 2.0 + n,
            "volume": 5.0,
        }
        for symbol, timeframe in (("OLD1", "1d"), ("OLD1", "1w"), ("OLD2", "1d"))
        for n in range(40)
    ]
    with MongoClient(mongo.url, tz_aware=True) as client:  # as an earlier version kept them: a document per bar
        client[name].bars.insert_many(
            old + [{"symbol": "BAD", "timeframe": "1d", "ts": f"no time {n}"} for n in range(3)]
        )
        client[name].bar_segments.insert_one({"symbol": "OLD1"})
        client[name].series_ledger.insert_one({"symbol": "OLD1"})
    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert (
        "moved 120 bars of 3 series from the bars collection of an earlier version into the series store "
        "(120 new to it; 3 documents left out, not valid bars); the old collection is kept as legacy_bars"
    ) in first.stderr
    stored = stored_bars(mongo.url, name, ["OLD1", "OLD2"])
    assert stored == {(d["symbol"], d["timeframe"], d["ts"]): d["close"] for d in old}
    with MongoClient(mongo.url) as client:
        assert set(client[name].list_collection_names()) == {*bootstrap_db.market_collections(), "legacy_bars"}
        assert client[name].legacy_bars.count_documents({}) == 123  # kept whole, the documents left out too
    second = run_bootstrap(**env)
    assert "moved" not in second.stderr  # once
    assert second.stderr.strip().endswith("nothing to do: everything was already in place")
