"""Fixtures for the fault tests: the Procfile.test lines as separate processes on free ports."""

import pytest

from tests.processes import SeparateProcesses
from tests.stack import isolated_ports


@pytest.fixture
def separate(tmp_path):
    """Separate processes on ports of their own, nothing started yet; all stopped afterwards."""
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
