"""Shared fixtures: a clean environment, this session's database servers, and the test stacks on them.

What a whole run starts, each once and only when a test needs it (docs/testing.md, "The shape of a
run"): the session's private MySQL and MongoDB (``session_databases``); the three services under
honcho on them (``test_stack``), for the tests that drive the live stack; flask_regime served from a
thread (``flask_regime_http``) for the framework-client tests whose service calls it. Tests that stop
or kill a process start their own (``separate``, ``separate_stack``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.common.config import REPO_ROOT, SERVICES, load_common
from scripts.stack_processes import DATABASES, STARTS_RECORD
from tests.processes import SeparateProcesses
from tests.production_servers import ProductionServers, ServerProcesses, production_servers_started
from tests.session import OWNS_SESSION_DIR, SESSION_DIR, SESSION_PORTS
from tests.stack import (
    LIVE_PROCESSES,
    SESSION_STACK,
    HonchoStack,
    clean_env,
    isolated_ports,
    port_is_free,
    wait_until,
)

TESTS_DIR = Path(__file__).parent
WORKER_GROUPS_FILE = Path(SESSION_DIR) / "worker-groups.json"
# The layers `make test-fast` leaves out, by where their tests live (markers registered in pyproject.toml).
LAYER_PATHS = {
    "e2e": TESTS_DIR / "e2e",
    "fuzz": TESTS_DIR / "fuzz",
    "browser": TESTS_DIR / "browser",
    "bench": TESTS_DIR / "scripts" / "test_bench.py",
}
# Fixtures that start or use real servers (database servers; Flask served from a thread): a test that uses
# one (directly or through another) is an integration test.
SERVER_FIXTURES = {
    "session_databases",
    "own_mongodb",
    "separate",
    "separate_stack",
    "developer_mysql",
    "flask_regime_http",
}
# The live test stack: a test that drives it is an end-to-end test, wherever it lives; and never grouped.
STACK_FIXTURES = {"test_stack"}
# The services' servers as processes (the live test stack, the production servers, a server a test starts
# itself): a test that uses one is an end-to-end test, wherever it lives.
SERVING_FIXTURES = STACK_FIXTURES | {"production_servers", "server_processes"}
# Under pytest-xdist (`make test` runs a worker per core and one more) the tests of one group run on one
# worker, one after the other: a test that stops a process of the separate stack never meets a test on
# another worker that needs it up. The session's servers and shared stack are each worker's own (on ports
# of its own, tests/session.py), so the tests that use them spread over the workers.
WORKER_GROUPS = {
    "separate_stack": "separate_stack",
    # The production servers serve the static files deploy/Dockerfile's collectstatic step writes under
    # .var/static: it runs once, before any of them starts, and never while another test collects.
    "collected_static": "production",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its layer: e2e, fuzz, bench, browser by where it lives; e2e too when it talks
    to a service's server process (the live test stack, the production servers, one it starts); integration
    when it needs real servers; unit otherwise (no database, no server of the stack)."""
    for item in items:
        path = Path(item.path)
        layers = [name for name, where in LAYER_PATHS.items() if path == where or where in path.parents]
        if not layers and SERVING_FIXTURES & set(item.fixturenames):
            layers = ["e2e"]
        for name in layers:
            item.add_marker(name)
        if SERVER_FIXTURES & set(item.fixturenames) or item.get_closest_marker("django_db"):
            item.add_marker("integration")
        elif not layers and not item.get_closest_marker("integration"):
            item.add_marker("unit")
    if hasattr(config, "workerinput"):  # an xdist worker: its tests' groups, for the controller's scheduler
        groups = {item.nodeid: group for item in items if (group := worker_group(item))}
        written = WORKER_GROUPS_FILE.with_suffix(f".{os.getpid()}")
        written.write_text(json.dumps(groups))
        written.replace(WORKER_GROUPS_FILE)  # whole, whichever worker writes last: they collect alike


def worker_group(item: pytest.Item) -> str | None:
    """The test's group: a WORKER_GROUPS one; else its module, when the test uses a module-scoped fixture
    (its MongoDB database, a fit, the access sweep's callers: made once, on the one worker that runs the
    module) and not the live test stack (whose tests must not meet what another test left on it)."""
    if group := next((group for fixture, group in WORKER_GROUPS.items() if fixture in item.fixturenames), None):
        return group
    if STACK_FIXTURES & set(item.fixturenames):
        return None
    definitions = getattr(item, "_fixtureinfo", None)
    scopes = {d.scope for defs in (definitions.name2fixturedefs.values() if definitions else ()) for d in defs}
    return item.nodeid.split("::")[0] if "module" in scopes else None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's controller: each worker group is one unit of work, every other test a unit of its own."""
    from xdist.scheduler import LoadScopeScheduling

    class WorkerGroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # asked once every worker has collected (and written the groups)
                self.groups = json.loads(WORKER_GROUPS_FILE.read_text()) if WORKER_GROUPS_FILE.exists() else {}
            return self.groups.get(nodeid, nodeid)

    return WorkerGroupScheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A test stopped by its timeout (pytest-timeout) gets the end of the log of every process the
    test stack fixtures run, and of each log file in its tmp_path."""
    report = yield
    if call.excinfo is not None and "Timeout (>" in str(call.excinfo.value):
        logs = {path: title for title, path in LIVE_PROCESSES.log_paths().items()}
        tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
        for path in sorted(Path(tmp_path).rglob("*.log")) if tmp_path else []:
            logs.setdefault(path, str(path))
        for path, title in logs.items():
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            report.sections.append((f"log of {title}: {path} (end)", "\n".join(text.splitlines()[-30:])))
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """What the run started: each kind of database server and stack, counted (servers that scripts
    under test start included, as scripts.stack_processes.starts_record names them)."""
    if not OWNS_SESSION_DIR or hasattr(config, "workerinput"):
        return
    record = Path(os.environ[STARTS_RECORD])
    started = Counter(record.read_text().splitlines()) if record.exists() else Counter()
    terminalreporter.section("servers and stacks started")
    for what, count in sorted(started.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"{count:3} × {what}")
    servers = sum(count for what, count in started.items() if what.endswith(" server"))
    stacks = sum(count for what, count in started.items() if not what.endswith(" server"))
    terminalreporter.write_line(f"database servers started: {servers}; stacks and service processes: {stacks}")


def pytest_unconfigure(config) -> None:
    if OWNS_SESSION_DIR and not hasattr(config, "workerinput"):
        shutil.rmtree(SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def stack_ports() -> dict[str, int]:
    """This session's ports for every Procfile.test process (chosen free when the session started)."""
    return dict(SESSION_PORTS)


@pytest.fixture(scope="session")
def test_urls() -> dict[str, str]:
    return load_common(profile="test").service_urls()


@pytest.fixture(scope="session")
def session_databases(tmp_path_factory, stack_ports) -> SeparateProcesses:
    """This session's private MySQL and MongoDB (Procfile.test's two database lines) on the session's
    ports, fresh and bootstrapped: started once, by the first test that needs a database; every test
    that does not stop one shares them, each writing under a database name (or in a transaction) of
    its own."""
    ports = {name: stack_ports[name] for name in DATABASES}
    busy = {name: port for name, port in ports.items() if not port_is_free(port)}
    if busy:
        pytest.fail(f"the session's database ports are already in use: {busy}; stop whatever holds them")
    databases = SeparateProcesses(dict(stack_ports), tmp_path_factory.mktemp("session-databases"))
    try:
        databases.databases_up()
    except BaseException:
        databases.close()
        raise
    yield databases
    databases.close()


@pytest.fixture
def own_mongodb(tmp_path, monkeypatch) -> str:
    """A MongoDB of this test's own (Procfile.test's mongo line, fresh, on a free port), which the
    session's settings name while the test runs (MONGO_URL here and in every child's environment): for
    a test that kills its server, which the session's stack must never see. Its URL."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    processes = SeparateProcesses(isolated_ports(), tmp_path)
    try:
        processes.start("mongo", fresh=True)
        url = processes.env["MONGO_URL"]

        def answers() -> bool:
            processes.wait_listening("mongo")
            try:
                with MongoClient(url, serverSelectionTimeoutMS=1000) as client:
                    client.admin.command("ping")
            except PyMongoError:
                return False
            return True

        wait_until(answers, 120, "a MongoDB of the test's own answering")
        monkeypatch.setenv("MONGO_URL", url)
        monkeypatch.setitem(SESSION_STACK, "MONGO_URL", url)
        yield url
    finally:
        processes.close()


@pytest.fixture(scope="session")
def test_stack(tmp_path_factory, stack_ports, session_databases) -> HonchoStack:
    """The live test stack: Procfile.test's three services under honcho, on the session's database
    servers, healthy. Shared by every test that drives the stack without stopping it."""
    busy = {name: stack_ports[name] for name in SERVICES if not port_is_free(stack_ports[name])}
    if busy:
        pytest.fail(f"test stack ports already in use: {busy}; stop whatever holds them")
    stack = HonchoStack("Procfile.test", tmp_path_factory.mktemp("stack") / "honcho.log", clean_env(), SERVICES)
    try:
        stack.bring_up(stack_ports)
    except AssertionError as exc:
        pytest.fail(str(exc))
    yield stack
    if stack.running:
        stack.stop()


@pytest.fixture(scope="session")
def flask_regime_http() -> str:
    """The real flask_regime app (test profile) served over HTTP from a thread of this process: what
    fastapi_market calls in the framework-client tests. Flask keeps no state, and needs no database."""
    from apps.flask_regime import create_app
    from tests.thread_servers import wsgi_served

    with wsgi_served(create_app()) as url:
        yield url


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
def collected_static() -> Path:
    """deploy/Dockerfile's collectstatic step, run as the image's build runs it: django_core's static files
    under their hashed names, and their manifest, in STATIC_ROOT (which production serves from)."""
    from django.conf import settings

    from tests.deploy.test_container import collectstatic_step

    collected = subprocess.run(
        ["/bin/sh", "-c", collectstatic_step()],
        cwd=REPO_ROOT,
        env=clean_env(SERVICE="django_core"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    return Path(settings.STATIC_ROOT)


@pytest.fixture(scope="session")
def production_servers(session_databases, collected_static, tmp_path_factory) -> Iterator[ProductionServers]:
    """deploy/Procfile.prod's three servers, production profile, on the test stack's databases."""
    with production_servers_started(tmp_path_factory.mktemp("production")) as servers:
        yield servers


@pytest.fixture
def server_processes(tmp_path) -> Iterator[ServerProcesses]:
    """The services' servers this test starts as processes (logs in its tmp_path), killed afterwards."""
    servers = ServerProcesses(tmp_path)
    yield servers
    servers.close()


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
    stopped afterwards. For a test that starts them in an order of its own (databases after services)."""
    processes = SeparateProcesses(isolated_ports(), tmp_path)
    yield processes
    processes.close()


@pytest.fixture(scope="session")
def separate_stack(tmp_path_factory):
    """All five Procfile.test processes, started separately and healthy, on ports and servers of their
    own: for the tests that stop or kill one of them (the fault and browser tests), which call
    ``ensure_up`` first to restart what an earlier test left down. Started once per session."""
    processes = SeparateProcesses(isolated_ports(), tmp_path_factory.mktemp("separate"))
    try:
        processes.bring_up()
    except BaseException:
        processes.close()
        raise
    yield processes
    processes.close()
