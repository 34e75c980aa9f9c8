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

from apps.common.contracts import Bar
from apps.django_core.env import load_settings as django_settings
from apps.fastapi_market.segments import merge
from apps.fastapi_market.settings import load_settings as market_settings
from scripts import bootstrap_db
from scripts.private_db.servers import MongoServer, private_cluster_of
from scripts.stack_processes import run_module
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
    assert "created indexes bars.bars_symbol_timeframe_ts" in first.stderr
    assert name in schemas(mysql)
    with MongoClient(mongo.url) as client:
        index = client[name]["bars"].index_information()["bars_symbol_timeframe_ts"]
    assert index["unique"] and index["key"] == [("symbol", 1), ("timeframe", 1), ("ts", 1)]

    second = run_bootstrap(**env)
    assert second.returncode == 0, second.stderr
    assert f"database {name} already exists" in second.stderr
    assert "Django migrations: up to date" in second.stderr
    assert "indexes up to date" in second.stderr
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


def test_builds_the_series_ledger_of_bars_stored_before_it_existed(fresh_names):
    from datetime import UTC, datetime, timedelta

    mysql, mongo, name = fresh_names
    day = datetime(2020, 1, 1, tzinfo=UTC)
    with MongoClient(mongo.url) as client:
        client[name]["bars"].insert_many(
            [
                {
                    "symbol": "OLD",
                    "timeframe": "1d",
                    "ts": day + timedelta(days=d),
                    "open": 2.0,
                    "high": 3.0,
                    "low": 1.0,
                    "close": 2.5,
                    "volume": 5.0,
                }
                for d in range(12)
            ]
        )
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert "MongoDB series ledger: built from the 12 bars stored before it existed" in first.stderr
    second = run_bootstrap(**env)
    assert "series ledger" not in second.stderr
    assert second.stderr.strip().endswith("nothing to do: everything was already in place")


def plan_of(mongo_url: str, database: str, query: dict) -> str:
    """FerretDB's explain of a find: PostgreSQL's plan, as text."""
    with MongoClient(mongo_url) as client:
        answer = client[database].command("explain", {"find": "bars", "filter": query}, verbosity="queryPlanner")
    return json.dumps(answer["queryPlanner"])


def test_ferretdb_filters_get_gin_indexes_that_outlive_restarts_and_index_rebuilds(
    own_mongodb, fresh_names, session_databases
):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert f"MongoDB {mongo.address} (FerretDB 1.24.1 + PostgreSQL): ping ok" in first.stderr
    assert "GIN indexes for FerretDB's filters: created bars._id, bars.symbol" in first.stderr
    with MongoClient(mongo.url) as client:  # enough bars that an index pays, and PostgreSQL knows it
        client[name].bars.insert_many(
            [
                {"_id": f"G{n % 20}:1d:{n}", "symbol": f"G{n % 20}", "timeframe": "1d", "ts": n, "close": 1.0}
                for n in range(6000)
            ]
        )
    cluster = private_cluster_of(mongo)
    with cluster.connect(database="ferretdb") as conn:
        conn.execute(f'ANALYZE "{name}".{_bars_table(conn, name)}')

    def served_by_gin() -> bool:
        by_symbol, by_id = plan_of(mongo.url, name, {"symbol": "G3"}), plan_of(mongo.url, name, {"_id": "G3:1d:3"})
        return "Bitmap Index Scan" in by_symbol and "symbol_aetherion_gin" in by_symbol and "id_aetherion_gin" in by_id

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

    with MongoClient(mongo.url) as client:  # the MongoDB indexes rebuilt: FerretDB leaves the GIN ones be
        client[name].bars.drop_indexes()
    rebuilt = run_bootstrap(**env)
    assert "created indexes bars.bars_symbol_timeframe_ts" in rebuilt.stderr
    assert "GIN indexes for FerretDB's filters: up to date" in rebuilt.stderr
    assert served_by_gin()


def _bars_table(conn, schema: str) -> str:
    return conn.execute(
        f"SELECT _jsonb->>'table' FROM \"{schema}\"._ferretdb_database_metadata WHERE _jsonb->>'_id' = 'bars'"
    ).fetchone()[0]


def test_bars_stored_before_segments_existed_get_their_segments_once(fresh_names):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    day = datetime(2010, 1, 4, tzinfo=UTC)
    with MongoClient(mongo.url, tz_aware=True) as client:  # as an earlier version stored them: bars only
        client[name].bars.insert_many(
            [
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
        )
    first = run_bootstrap(**env)
    assert first.returncode == 0, first.stderr
    assert "built the segments readers read for 3 series (120 bars)" in first.stderr
    with MongoClient(mongo.url, tz_aware=True) as client:
        found = client[name].bars.find({"symbol": "OLD2"}, {"_id": False}).sort("ts", 1)
        stored = [Bar.model_validate(d) for d in found]
        assert merge(list(client[name].bar_segments.find({"symbol": "OLD2"}))).bars("OLD2", "1d") == stored
    assert "built the segments" not in run_bootstrap(**env).stderr  # once


def test_documents_that_are_not_bars_are_named_and_change_nothing(fresh_names):
    mysql, mongo, name = fresh_names
    env = {"MYSQL_URL": f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{name}", "MONGO_DB": name}
    with MongoClient(mongo.url) as client:
        client[name].bars.insert_many([{"symbol": "BAD", "timeframe": "1d", "ts": f"not a time {n}"} for n in range(3)])
    run_bootstrap(**env)
    again = run_bootstrap(**env)
    assert again.returncode == 0, again.stderr
    assert (
        "no segments built: the bars collection holds no valid bar; 3 documents left out, not valid bars"
        in again.stderr
    )
    assert again.stderr.strip().endswith("nothing to do: everything was already in place")
