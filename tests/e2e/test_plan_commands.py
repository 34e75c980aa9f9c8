"""End to end: the Day-1 plan's "Running the Services" commands, exactly as it writes them, each run in
its service's folder with the virtual environment first on PATH (as after `activate`):
`python manage.py migrate`, `python manage.py runserver <port>`, `uvicorn main:app --port <port> --reload`
and `python app.py`.

They read what the services read under `make run`: the dev profile, config/, and the servers
`make databases` found at the default addresses, recorded in .var/dev/found.env (here: this session's
MariaDB with the dev account and the test stack's FerretDB, in a state directory of the test's own).
With its database down, each says so in one line that names `make databases`.
"""

from __future__ import annotations

import signal
import uuid

import httpx
import MySQLdb
import psutil
import pytest

from apps.common.config import REPO_ROOT, ServiceConfig, found_record
from apps.common.health import READINESS_PATHS
from scripts import process_groups
from tests import http_client
from tests.plan_commands import MIGRATE, plan_run, plan_start
from tests.stack import clean_env, free_port, port_is_free, wait_until

pytestmark = pytest.mark.posix  # SIGTERM to the command, as a supervisor or `kill` sends it

SERVICES = ("flask_regime", "fastapi_market", "django_core")  # Flask first: FastAPI's /check-regime calls it
TOWER_MIGRATIONS = sorted(path.stem for path in (REPO_ROOT / "apps/django_core/tower/migrations").glob("0*.py"))
STOPPED = (0, -signal.SIGTERM)  # a clean exit, or SIGTERM's default: never the SIGKILL of the clean-up


def dev_env(tmp_path, ports: dict[str, int], **overrides: str) -> dict[str, str]:
    """A developer's activated shell in the dev profile: no database URL of its own (the session's
    test-stack URLs removed), local state under ``tmp_path``, and each service's port set to
    ``ports``, so that nothing here binds the dev stack's 8000-8002."""
    env = clean_env(APP_ENV="dev", APP_VAR_DIR=str(tmp_path / "var"))
    del env["MYSQL_URL"], env["MONGO_URL"]
    env.update({f"{service.upper()}_PORT": str(port) for service, port in ports.items()})
    env.update(overrides)
    return env


def health(service: str, port: int) -> tuple[int | None, dict]:
    try:
        response = http_client.get(f"http://127.0.0.1:{port}{READINESS_PATHS[service]}", timeout=5)
    except httpx.HTTPError:
        return None, {}
    return response.status_code, response.json()


class PlanCommand:
    """One serving command of the plan, started in its folder; its output in a log file."""

    def __init__(self, service: str, env: dict[str, str], port: int, tmp_path):
        self.service, self.port = service, port
        self.log_path = tmp_path / f"{service}.log"
        with self.log_path.open("wb") as log:
            self.process = plan_start(service, env, port, log)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def answers(self, status: int) -> dict:
        """Wait until /health answers ``status``; its body."""
        seen: dict = {}

        def answered() -> bool:
            assert self.process.poll() is None, f"{self.service} exited:\n{self.log_text()}"
            got, seen["body"] = health(self.service, self.port)
            return got == status

        wait_until(answered, 90, f"{self.service} /health = {status}", interval=0.5)
        return seen["body"]

    def stop_with_sigterm(self) -> None:
        """SIGTERM to the command's own process: it exits, and every process it started with it."""
        family = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
        process_groups.signal_process(self.process.pid, signal.SIGTERM)
        assert self.process.wait(20) in STOPPED, self.log_text()
        _, alive = psutil.wait_procs(family, timeout=10)
        assert alive == [], f"{self.service}: still running after SIGTERM: {alive}"
        wait_until(lambda: port_is_free(self.port), 10, f"port of {self.service} free")

    def close(self) -> None:
        process_groups.stop(self.process, timeout=10)  # after a failure: the whole group, SIGKILL at last


def test_the_plans_commands_run_from_their_folders_on_the_servers_make_run_uses(
    developer_mysql, test_stack, stack_ports, tmp_path, monkeypatch
):
    ports = {service: free_port() for service in SERVICES}
    env = dev_env(tmp_path, ports)
    # As `make databases` records servers found at the default addresses (a database of this test's own).
    database, account = f"plan_{uuid.uuid4().hex[:8]}", developer_mysql.target
    monkeypatch.setenv("APP_VAR_DIR", env["APP_VAR_DIR"])
    found_record(
        "dev", "MYSQL_URL", f"mysql://{account.user}:{account.password}@127.0.0.1:{developer_mysql.port}/{database}"
    )
    found_record("dev", "MONGO_URL", f"mongodb://127.0.0.1:{stack_ports['mongo']}/")
    monkeypatch.delenv("MYSQL_URL")  # this session's stack URLs: here, as the commands' environment has it
    monkeypatch.delenv("MONGO_URL")
    for service, variable in (("django_core", "MYSQL_URL"), ("fastapi_market", "MONGO_URL")):
        source = ServiceConfig(service, "dev").source(variable)  # what `aetherion-config show` says
        assert source is not None and source.startswith("found "), f"{variable} from {source}, not what was found"
    admin = MySQLdb.connect(host="127.0.0.1", port=developer_mysql.port, user=account.user, password=account.password)
    commands: list[PlanCommand] = []
    try:
        admin.cursor().execute(f"CREATE DATABASE {database}")  # the plan's step before migrate

        migrated = plan_run("django_core", MIGRATE, env)
        assert migrated.returncode == 0, migrated.stderr
        assert "Applying tower.0001_initial... OK" in migrated.stdout, migrated.stdout
        cursor = admin.cursor()
        cursor.execute(
            f"SELECT name FROM {database}.django_migrations WHERE app = 'tower' ORDER BY id"
        )  # written where found
        assert cursor.fetchall() == tuple((migration,) for migration in TOWER_MIGRATIONS)

        for service in SERVICES:
            commands.append(PlanCommand(service, env, ports[service], tmp_path))
        flask, market, django = commands
        assert flask.answers(200)["service"] == "flask_regime"
        assert market.answers(200)["checks"]["mongodb"]["status"] == "ok"
        assert django.answers(200)["checks"]["mysql"]["server"].startswith("MariaDB ")
        check = http_client.get(f"http://127.0.0.1:{ports['fastapi_market']}/check-regime", timeout=5)
        assert (check.status_code, check.json()) == (200, {"status": "flask_regime running"})
        # The market engine's MongoDB is the one found.env names: its pooled connections go there.
        serving = psutil.Process(market.process.pid).children(recursive=True)
        assert any(
            c.raddr and c.raddr.port == stack_ports["mongo"] for p in serving for c in p.net_connections(kind="tcp")
        )
        assert "Uvicorn running on" in market.log_text() and "StatReload" in market.log_text()  # --reload

        for command in commands:
            command.stop_with_sigterm()
    finally:
        for command in commands:
            command.close()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()


def test_with_its_database_down_each_says_so_in_one_line_naming_make_databases(tmp_path):
    ports = {service: free_port() for service in SERVICES}
    mysql_port, mongo_port = free_port(), free_port()  # nothing listens on either
    env = dev_env(
        tmp_path,
        ports,
        MYSQL_URL=f"mysql://aetherion:aetherion-dev@127.0.0.1:{mysql_port}/aetherion_core",
        MONGO_URL=f"mongodb://127.0.0.1:{mongo_port}/",
        MONGO_TIMEOUT_MS="500",
    )
    migrated = plan_run("django_core", MIGRATE, env)
    assert migrated.returncode == 1
    assert migrated.stderr.strip() == (
        f"django_core: MySQL at 127.0.0.1:{mysql_port}: connection refused; start it: `make databases` starts a "
        "private one, or fix MYSQL_URL in the environment"
    )

    said = {
        "django_core": f"MySQL is not reachable yet (MySQL at 127.0.0.1:{mysql_port}: connection refused; "
        "start it: `make databases` starts a private one, or fix MYSQL_URL in the environment); "
        "serving anyway, /health/ says 503 until it is",
        "fastapi_market": f"MongoDB is not reachable yet (MongoDB at 127.0.0.1:{mongo_port}: connection refused; "
        "start it: `make databases` starts a private one, or fix MONGO_URL in the environment); "
        "serving anyway, /health says 503 until it is",
    }
    commands: list[PlanCommand] = []
    try:
        for service, failing in (("django_core", "mysql"), ("fastapi_market", "mongodb")):
            command = PlanCommand(service, env, ports[service], tmp_path)
            commands.append(command)
            assert command.answers(503)["failing"] == [failing]
            wait_until(lambda c=command, s=said[service]: s in c.log_text(), 10, f"{service}'s warning")
            warnings = [line for line in command.log_text().splitlines() if line.startswith("WARNING ")]
            assert len(warnings) == 1 and warnings[0].endswith(said[service]), command.log_text()
            assert "Traceback" not in command.log_text()
            command.stop_with_sigterm()
    finally:
        for command in commands:
            command.close()
