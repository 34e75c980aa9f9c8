"""Shared fixtures: a clean environment, and the hermetic test stack on real servers."""

from __future__ import annotations

import socket

import pytest

from apps.common.config import load_common
from tests.processes import SeparateProcesses
from tests.session import SESSION_PORTS
from tests.stack import HonchoStack, clean_env, isolated_ports, port_is_free, remove_private_data


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
