"""Shared fixtures: a clean environment, and the hermetic test stack on real servers."""

from __future__ import annotations

import os
import socket

import pytest

from apps.common.config import load_common
from tests.stack import HonchoStack, clean_env, port_is_free, service_variables

# A developer's shell must not change a result: drop service variables, pin the test profile.
for _name in service_variables() | {k for k in os.environ if k.startswith("APP_")}:
    os.environ.pop(_name, None)
os.environ["APP_ENV"] = "test"


def _stack_ports() -> dict[str, int]:
    from scripts.local_db import servers
    from scripts.ports import service_ports

    ports = {name: port for name, (_, port) in service_ports("test").items()}
    ports.update({server.name: server.port for server in servers("test", ["mysql", "mongo"])})
    return ports


@pytest.fixture(scope="session")
def stack_ports() -> dict[str, int]:
    """The test profile's ports (config/test.env) for every Procfile.test process."""
    return _stack_ports()


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


@pytest.fixture
def silent_port() -> int:
    """A port that accepts connections (into the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]
