"""scripts/local_db.py provides each database in this order: the server the user chose, then one
found at the default address (MYSQL_DEFAULT_ADDRESS, MONGO_DEFAULT_ADDRESS) that takes the
configured account, then a private one. Each branch against real servers; the default addresses
are set to this session's own servers, never the real 3306 or 27017.
"""

from __future__ import annotations

import dataclasses

import pytest

from apps.common.config import ServiceConfig, found_file, found_values
from apps.common.databases import MongoTarget
from apps.django_core.env import load_settings as django_settings
from apps.fastapi_market.settings import load_settings as market_settings
from scripts import local_db
from scripts.local_db import provide, servers, stop
from scripts.private_db.servers import MongoServer, MySQLServer, PrivateServer
from scripts.stack_processes import run_module
from tests.stack import clean_env, free_port


@pytest.fixture
def dev_profile(monkeypatch, tmp_path):
    """The dev profile with its committed URLs (this session names its own in the environment), and
    its local state in a directory of its own."""
    monkeypatch.delenv("MYSQL_URL")
    monkeypatch.delenv("MONGO_URL")
    monkeypatch.setenv("APP_VAR_DIR", str(tmp_path))
    return tmp_path


def on_a_free_port(server: PrivateServer) -> PrivateServer:
    """``server`` as configured, moved to a free port: a private server that starts there (when a
    branch starts one, or a test fails) meets no one's."""
    port = free_port()
    if isinstance(server, MySQLServer):
        return MySQLServer(dataclasses.replace(server.target, port=port), server.profile)
    url = server.target.url.replace(f":{server.port}", f":{port}", 1)
    return MongoServer(MongoTarget(url, server.target.database), server.profile)


def committed(name: str) -> PrivateServer:
    """The dev profile's server as its committed config says, on a free port."""
    (server,) = servers("dev", [name], use_found=False)
    assert server.port in (3307, 27018)  # the committed address, not one this session chose
    return on_a_free_port(server)


def test_a_server_at_the_default_address_is_found_and_every_service_then_uses_it(
    dev_profile, developer_mysql, session_databases, stack_ports, monkeypatch
):
    monkeypatch.setenv("MYSQL_DEFAULT_ADDRESS", f"127.0.0.1:{developer_mysql.port}")
    monkeypatch.setenv("MONGO_DEFAULT_ADDRESS", f"127.0.0.1:{stack_ports['mongo']}")  # FerretDB takes any account
    mysql, mongo = committed("mysql"), committed("mongo")

    said = provide(mysql)
    assert said.startswith(f"mysql at 127.0.0.1:{developer_mysql.port}: found MariaDB ")
    assert said.endswith(
        f"at the default address (MYSQL_DEFAULT_ADDRESS); using it (recorded in {found_file('dev')}), no private server"
    )
    assert "found FerretDB " in provide(mongo)
    assert not mysql.pid_file.exists() and not mongo.pid_file.exists()

    assert django_settings("dev").mysql.port == developer_mysql.port
    assert market_settings("dev").mongo.port == stack_ports["mongo"]
    assert ServiceConfig("django_core", "dev").source("MYSQL_URL") == f"found ({found_file('dev')})"
    assert ServiceConfig("fastapi_market", "dev").source("MONGO_URL") == f"found ({found_file('dev')})"


def test_config_show_says_found(dev_profile, developer_mysql, monkeypatch):
    monkeypatch.setenv("MYSQL_DEFAULT_ADDRESS", f"127.0.0.1:{developer_mysql.port}")
    provide(committed("mysql"))
    env = clean_env(APP_ENV="dev", APP_VAR_DIR=str(dev_profile), COLUMNS="250")
    del env["MYSQL_URL"]
    result = run_module("scripts.config", env, 60, "show", "django_core")
    assert result.returncode == 0, result.stderr
    (row,) = [line for line in result.stdout.splitlines() if "MYSQL_URL" in line]
    assert f"127.0.0.1:{developer_mysql.port}/aetherion_core" in row and f"found ({found_file('dev')})" in row
    assert "aetherion-dev" not in row  # the password stays masked


def test_a_default_server_that_refuses_the_account_is_named_in_one_line_and_a_private_one_starts(
    dev_profile, session_databases, stack_ports, monkeypatch, capsys
):
    # The session's MariaDB has its own account, not the dev profile's.
    monkeypatch.setenv("MYSQL_DEFAULT_ADDRESS", f"127.0.0.1:{stack_ports['mysql']}")
    server = committed("mysql")
    try:
        said = provide(server)
        assert said.startswith(f"mysql at 127.0.0.1:{server.port}: started a private MariaDB")
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(
            f"local_db: mysql at 127.0.0.1:{stack_ports['mysql']} (the default address) answers "
            "but refuses the configured account (Access denied for user 'aetherion'"
        )
        assert line.endswith(
            f"to use it, set MYSQL_URL with an account it takes in config/django_core.local.env; "
            f"until then, 127.0.0.1:{server.port} as configured"
        )
        assert "MYSQL_URL" not in found_values("dev")
    finally:
        stop(server)


def test_nothing_at_the_default_address_starts_a_private_server_and_forgets_what_was_found(dev_profile, monkeypatch):
    monkeypatch.setenv("MYSQL_DEFAULT_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens there
    local_db.found_record("dev", "MYSQL_URL", "mysql://aetherion:x@127.0.0.1:1/aetherion_core")  # found earlier
    server = committed("mysql")
    try:
        assert provide(server).startswith(f"mysql at 127.0.0.1:{server.port}: started a private MariaDB")
        assert found_values("dev") == {}
    finally:
        stop(server)


def test_a_server_the_user_chose_wins_and_the_default_address_is_not_looked_at(
    dev_profile, developer_mysql, session_databases, stack_ports, monkeypatch
):
    monkeypatch.setenv("MYSQL_DEFAULT_ADDRESS", f"127.0.0.1:{developer_mysql.port}")
    monkeypatch.setenv("MYSQL_URL", f"mysql://aetherion:aetherion-test@127.0.0.1:{stack_ports['mysql']}/aetherion_core")
    (server,) = servers("dev", ["mysql"], use_found=False)
    assert provide(server) == f"mysql at 127.0.0.1:{stack_ports['mysql']}: answering"
    assert found_values("dev") == {}


def test_the_test_profile_never_looks_at_a_default_address():
    for name in ("MYSQL_DEFAULT_ADDRESS", "MONGO_DEFAULT_ADDRESS"):
        service = "django_core" if name.startswith("MYSQL") else "fastapi_market"
        config = ServiceConfig(service, "test")
        assert config.env.str(name) == "" and config.source(name) == "config/test.env"


def test_a_bad_default_address_is_one_line_naming_the_variable_and_file(dev_profile, monkeypatch, capsys):
    monkeypatch.setenv("MONGO_DEFAULT_ADDRESS", "localhost")
    assert local_db.main(["ensure", "mongo", "--profile", "dev"]) == 1
    assert capsys.readouterr().err == (
        "local_db: fastapi_market: config error: MONGO_DEFAULT_ADDRESS: must be host:port, e.g. 127.0.0.1:3306 "
        "(empty: do not look for a server) (fix it in the environment)\n"
    )
