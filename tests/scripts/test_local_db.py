"""scripts/local_db.py: configured servers are used, private ones started once and stopped."""

import os
import shutil
import socket
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from pymongo import MongoClient

from apps.common.config import REPO_ROOT
from apps.common.databases import MongoTarget, MySQLTarget
from scripts import local_db
from scripts.bootstrap_db import store_upkeep
from scripts.local_db import LocalDbError, MongoServer, MySQLServer, ensure, servers, stop
from scripts.private_db import ferretdb, processes
from scripts.private_db.processes import ServerProcess
from scripts.private_db.servers import BIN_DIR
from scripts.private_db.unprivileged import MOUNT_POINT, can_reach, unprivileged_user
from scripts.stack_processes import run_module
from tests.ingest import stored_bars
from tests.stack import clean_env, free_port, port_is_free


def test_answering_servers_are_used_as_they_are(session_databases):
    for server in servers("test", ["mysql", "mongo"]):
        running = server.pid_file.read_text()  # the session's own, started by `local_db run`
        assert ensure(server) == f"{server.name} at 127.0.0.1:{server.port}: answering"
        assert server.pid_file.read_text() == running  # nothing started


@pytest.mark.integration  # starts a private MongoDB of its own
def test_private_mongo_starts_once_and_stops(tmp_path):
    port = free_port()
    server = MongoServer(MongoTarget(f"mongodb://127.0.0.1:{port}/", "x"), "test", var_dir=tmp_path)
    try:
        started = ensure(server)
        assert "started a private FerretDB + PostgreSQL (postgresql pid " in started
        assert f"ferretdb pid {server.pid_file.read_text().strip()};" in started
        assert server.data_dir.is_dir() and server.answers()
        assert ensure(server).endswith(": answering")  # a second ensure starts nothing
    finally:
        stopped = stop(server)
    assert "stopped private server (ferretdb pid " in stopped and ", postgresql pid " in stopped
    assert not server.answers() and port_is_free(port) and not server.pid_file.exists()
    assert not server.cluster.pid_file.exists() and not server.cluster.answers()


def test_an_unreachable_remote_server_is_not_ours_to_start():
    server = MongoServer(MongoTarget("mongodb://192.0.2.1:27017/", "x"), "test")
    with pytest.raises(LocalDbError, match="which is not this machine; start that server or fix MONGO_URL"):
        local_db.check_can_start(server)


def test_a_port_held_by_something_else_is_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        server = MySQLServer(MySQLTarget("127.0.0.1", port, "app", "pw", "core"), "test")
        with pytest.raises(LocalDbError, match=rf"port {port} is taken by pid \d+ .* not a usable mysql server"):
            local_db.check_can_start(server)


def test_mysql_init_sql_quotes_the_password():
    server = MySQLServer(MySQLTarget("127.0.0.1", 3399, "app", "it's a \\ secret", "core"), "test")
    sql = server._init_sql()
    assert "IDENTIFIED BY 'it\\'s a \\\\ secret'" in sql
    assert sql.count("'app'@'%'") == 3


def test_a_private_mongo_starts_from_a_checkout_its_server_user_cannot_enter(tmp_path):
    """CI clones into a folder of its own, and a home directory is often mode 700: as root, the
    PostgreSQL cluster runs as an unprivileged user who cannot enter such a checkout."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    checkout = home / "aetherion"
    for part in ("apps", "scripts", "config"):
        shutil.copytree(REPO_ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    (checkout / ".var" / "bin").mkdir(parents=True)
    shutil.copy2(ferretdb.binary(BIN_DIR), checkout / ".var" / "bin")  # the same build, not built again
    port = free_port()
    env = clean_env(MONGO_URL=f"mongodb://127.0.0.1:{port}/")
    ensure_ran = run_module("scripts.local_db", env, 180, "ensure", "mongo", cwd=checkout)
    try:
        assert ensure_ran.returncode == 0, ensure_ran.stderr
        assert f"mongo at 127.0.0.1:{port}: started a private FerretDB + PostgreSQL" in ensure_ran.stderr
        server = MongoServer(MongoTarget(f"mongodb://127.0.0.1:{port}/", "x"), "test", var_dir=checkout / ".var")
        assert server.answers() and server.cluster.answers()
        postmaster = psutil.Process(int(server.cluster.pid_file.read_text()))
        if os.geteuid() == 0:
            user = unprivileged_user()
            assert not can_reach(user, server.data_dir)  # the case this is about
            assert postmaster.username() == user and server.cluster.data_dir.owner() == user
            assert f"-D {MOUNT_POINT}/postgresql" in " ".join(postmaster.cmdline())  # seen through the mount
        else:
            assert postmaster.username() == psutil.Process().username()
        assert str(server.cluster.data_dir).startswith(str(checkout / ".var"))  # the files stay under .var/
    finally:
        stopped = run_module("scripts.local_db", env, 60, "stop", "mongo", cwd=checkout)
    assert "stopped private server (ferretdb pid " in stopped.stderr and port_is_free(port)


def test_bars_of_the_old_sqlite_data_are_copied_into_the_new_server_once(tmp_path):
    port = free_port()
    url = f"mongodb://127.0.0.1:{port}/"
    server = MongoServer(MongoTarget(url, "aetherion_market"), "dev", var_dir=tmp_path)
    # The layout before this change: FerretDB's SQLite handler with its files in the server's directory.
    server.data_dir.mkdir(parents=True)
    old = ServerProcess(
        "ferretdb-sqlite",
        [
            ferretdb.find(BIN_DIR),
            f"--sqlite-url=file:{server.data_dir}/",
            *ferretdb.arguments(f"127.0.0.1:{port}", server.data_dir, "sqlite"),
        ],
        server.data_dir,
        tmp_path / "old.log",
        tmp_path / "old.pid",
        str(server.data_dir),
        ready=server.answers,
    )
    child = processes.start(old, detached=False)
    processes.wait_ready(old, child, child.pid)
    with MongoClient(url) as client:
        client.aetherion_market.bars.create_index(
            [("symbol", 1), ("timeframe", 1), ("ts", 1)], unique=True, name="bars_symbol_timeframe_ts"
        )
        day = datetime(2000, 1, 3, tzinfo=UTC)
        client.aetherion_market.bars.insert_many(
            [
                {
                    "_id": f"OLD:1d:{n}",
                    "symbol": "OLD",
                    "timeframe": "1d",
                    "ts": day + timedelta(days=n),
                    "open": 1.0 + n,
                    "high": 2.0 + n,
                    "low": 0.5 + n,
                    "close": 1.0 + n,
                    "volume": 10.0 * n,
                }
                for n in range(1200)
            ]
        )
        client.other_db.notes.insert_one({"_id": 1, "text": "kept too"})
    processes.stop(old)
    child.wait(10)
    assert server.legacy_sqlite_files()
    try:
        report = ensure(server)
        assert "started a private FerretDB + PostgreSQL" in report
        assert "copied 1,201 documents of 2 collections from the old SQLite data (0 were already there)" in report
        with MongoClient(url, tz_aware=True) as client:
            assert client.aetherion_market.bars.count_documents({"symbol": "OLD"}) == 1200
            assert "bars_symbol_timeframe_ts" in client.aetherion_market.bars.index_information()
            assert client.other_db.notes.find_one({"_id": 1})["text"] == "kept too"
        moved_into_store, _ = store_upkeep(MongoTarget(url, "aetherion_market"), 5000)  # as bootstrap_db does
        assert moved_into_store and moved_into_store.startswith("moved 1,200 bars of 1 series from the bars collection")
        assert len(stored_bars(url, "aetherion_market", ["OLD"])) == 1200
        moved = server.data_dir / "sqlite-legacy"
        assert not server.legacy_sqlite_files() and list(moved.glob("*.sqlite"))  # moved aside, not deleted
        assert "copied 1,201 documents" in (moved / "MIGRATED").read_text()
        assert "copied" not in ensure(server)  # once
    finally:
        stop(server)
