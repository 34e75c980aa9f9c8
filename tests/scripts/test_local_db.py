"""scripts/local_db.py: configured servers are used, private ones started once and stopped."""

import socket

import pytest

from apps.common.databases import MongoTarget, MySQLTarget
from scripts import local_db
from scripts.local_db import LocalDbError, MongoServer, MySQLServer, ensure, servers, stop
from tests.stack import free_port, port_is_free


def test_answering_servers_are_used_as_they_are(test_stack):
    for server in servers("test", ["mysql", "mongo"]):
        assert ensure(server) == f"{server.name} at 127.0.0.1:{server.port}: answering"
        assert not server.pid_file.exists()


def test_private_mongo_starts_once_and_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(local_db, "VAR_DIR", tmp_path)
    port = free_port()
    server = MongoServer(MongoTarget(f"mongodb://127.0.0.1:{port}/", "x"), "test")
    try:
        started = ensure(server)
        assert f"started a private server (pid {server.pid_file.read_text().strip()}" in started
        assert server.data_dir.is_dir() and server.answers()
        assert ensure(server).endswith(": answering")  # a second ensure starts nothing
    finally:
        stopped = stop(server)
    assert "stopped private server" in stopped
    assert not server.answers() and port_is_free(port) and not server.pid_file.exists()


def test_an_unreachable_remote_server_is_not_ours_to_start():
    server = MongoServer(MongoTarget("mongodb://192.0.2.1:27017/", "x"), "test")
    with pytest.raises(LocalDbError, match="which is not this machine; start that server or fix MONGO_URL"):
        local_db._check_can_start(server)


def test_a_port_held_by_something_else_is_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        server = MySQLServer(MySQLTarget("127.0.0.1", port, "app", "pw", "core"), "test")
        with pytest.raises(LocalDbError, match=rf"port {port} is taken by pid \d+ .* not a usable mysql server"):
            local_db._check_can_start(server)


def test_mysql_init_sql_quotes_the_password():
    server = MySQLServer(MySQLTarget("127.0.0.1", 3399, "app", "it's a \\ secret", "core"), "test")
    sql = server._init_sql()
    assert "IDENTIFIED BY 'it\\'s a \\\\ secret'" in sql
    assert sql.count("'app'@'%'") == 3
