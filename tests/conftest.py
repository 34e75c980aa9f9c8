"""Shared fixtures: a clean environment, and the hermetic test stack on real servers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.common.config import load_common
from tests.processes import SeparateProcesses
from tests.production_servers import ProductionServers, production_servers_started
from tests.session import SESSION_PORTS
from tests.stack import HonchoStack, clean_env, isolated_ports, port_is_free, remove_private_data

TESTS_DIR = Path(__file__).parent
# The layers `make test-fast` leaves out, by where their tests live (markers registered in pyproject.toml).
LAYER_PATHS = {
    "e2e": TESTS_DIR / "e2e",
    "fuzz": TESTS_DIR / "fuzz",
    "browser": TESTS_DIR / "browser",
    "bench": TESTS_DIR / "scripts" / "test_bench.py",
}
# Fixtures that bring up real servers: a test that uses one (directly or through another) is an integration test.
SERVER_FIXTURES = {"test_stack", "separate", "separate_stack", "production_servers"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer: e2e, fuzz, bench, browser by where it lives; integration when it
    needs real servers; unit otherwise (no database, no server of the stack)."""
    for item in items:
        path = Path(item.path)
        layers = [name for name, where in LAYER_PATHS.items() if path == where or where in path.parents]
        for name in layers:
            item.add_marker(name)
        if SERVER_FIXTURES & set(item.fixturenames) or item.get_closest_marker("django_db"):
            item.add_marker("integration")
        elif not layers and not item.get_closest_marker("integration"):
            item.add_marker("unit")


@pytest.fixture(scope="session")
def stack_ports() -> dict[str, int]:
    """This session's ports for every Procfile.test process (chosen free when the session started)."""
    return dict(SESSION_PORTS)


@pytest.fixture(scope="session")
def test_urls() -> dict[str, str]:
    return load_common(profile="test").service_urls()


@pytest.fixture(scope="session")
def test_stack(tmp_path_factory, stack_ports) -> HonchoStack:
    """Procfile.test under honcho: private MySQL and MongoDB, then the three services, healthy."""
    busy = {name: port for name, port in stack_ports.items() if not port_is_free(port)}
    if busy:
        pytest.fail(f"test stack ports already in use: {busy}; stop whatever holds them")
    stack = HonchoStack("Procfile.test", tmp_path_factory.mktemp("stack") / "honcho.log", clean_env())
    try:
        stack.bring_up(stack_ports)
    except AssertionError as exc:
        pytest.fail(str(exc))
    yield stack
    if stack.running:
        stack.stop()
    remove_private_data(stack_ports)


@pytest.fixture(scope="session")
def developer_mysql(tmp_path_factory):
    """A MariaDB on a free port that takes the dev profile's account, as a developer's own server at
    the default address would (started privately, under a directory of its own; stopped afterwards)."""
    import dataclasses

    from dotenv import dotenv_values

    from apps.common.config import CONFIG_DIR
    from apps.common.databases import MySQLTarget
    from scripts.local_db import ensure, stop
    from scripts.private_db.servers import MySQLServer
    from tests.stack import free_port

    # The committed dev account (this session's environment names the test stack's instead).
    dev_account = MySQLTarget.from_url(dotenv_values(CONFIG_DIR / "django_core.env")["MYSQL_URL"])
    server = MySQLServer(
        dataclasses.replace(dev_account, port=free_port()), "dev", var_dir=tmp_path_factory.mktemp("developer-mysql")
    )
    ensure(server)
    yield server
    stop(server)


@pytest.fixture(scope="session")
def production_servers(test_stack, tmp_path_factory) -> Iterator[ProductionServers]:
    """deploy/Procfile.prod's three servers, production profile, on the test stack's databases."""
    with production_servers_started(tmp_path_factory.mktemp("production")) as servers:
        yield servers


@pytest.fixture
def silent_port() -> int:
    """A port that accepts connections (into the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def separate(tmp_path):
    """The Procfile.test lines as separate processes on ports of their own, nothing started yet; all
    stopped afterwards. For tests that stop or kill one process without breaking the shared stack."""
    processes = SeparateProcesses(isolated_ports(), tmp_path)
    yield processes
    processes.close()


@pytest.fixture(scope="module")
def separate_stack(tmp_path_factory):
    """All five Procfile.test processes, started separately and healthy; shared by a module's tests."""
    processes = SeparateProcesses(isolated_ports(), tmp_path_factory.mktemp("separate"))
    try:
        processes.bring_up()
    except BaseException:
        processes.close()
        raise
    yield processes
    processes.close()
