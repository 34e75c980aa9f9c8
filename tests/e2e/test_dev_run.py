"""End to end: `python -m scripts.dev run`, the runner behind `make run`, started from another
directory with no make or bash on PATH, finds the database servers at the default addresses,
brings the dev stack up on them, and stops all of it on SIGTERM.

The "default" addresses are this session's servers (a MariaDB with the dev account, the test
stack's FerretDB), the services run on free ports and the local state in a directory of its own:
it never meets a developer's stack, nor the real 3306 and 27017.
"""

import signal
import subprocess
import sys

import psutil

from apps.common.health import READINESS_PATHS
from scripts import process_groups
from tests import http_client
from tests.stack import VENV_BIN, clean_env, free_port, http_status, port_is_free, wait_until

SERVICES = ("django_core", "fastapi_market", "flask_regime")


def test_runner_finds_the_default_servers_brings_the_stack_up_and_sigterm_stops_every_process(
    session_databases, stack_ports, developer_mysql, tmp_path
):
    ports = {service: free_port() for service in SERVICES}
    env = clean_env(
        APP_ENV="dev",
        PATH=str(VENV_BIN),
        APP_VAR_DIR=str(tmp_path / "var"),
        MYSQL_DEFAULT_ADDRESS=f"127.0.0.1:{developer_mysql.port}",
        MONGO_DEFAULT_ADDRESS=f"127.0.0.1:{stack_ports['mongo']}",
        **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()},
    )
    del env["MYSQL_URL"], env["MONGO_URL"]  # the committed URLs, as a developer has them
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        runner = process_groups.start(
            [sys.executable, "-m", "scripts.dev", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    family: list[psutil.Process] = []
    try:
        urls = [f"http://127.0.0.1:{ports[s]}{READINESS_PATHS[s]}" for s in SERVICES]

        def healthy() -> bool:
            assert runner.poll() is None, log_path.read_text()
            return all(http_status(url) == 200 for url in urls)

        wait_until(healthy, 120, "the dev stack's three /health = 200", interval=0.5)
        django_health = http_client.get(urls[0], timeout=5).json()
        assert django_health["checks"]["mysql"]["server"].startswith("MariaDB ")
        family = psutil.Process(runner.pid).children(recursive=True)
        assert any("honcho" in " ".join(p.cmdline()) for p in family)

        runner.send_signal(signal.SIGTERM)  # to the runner alone: it passes it on to honcho
        assert runner.wait(20) == 143  # honcho's exit code for SIGTERM, passed through
    finally:
        process_groups.stop(runner, timeout=10)
        # Had a branch gone wrong, a private server would run at a committed address: stop it.
        subprocess.run([sys.executable, "-m", "scripts.local_db", "stop"], env=env, capture_output=True, timeout=60)
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    assert all(port_is_free(port) for port in ports.values())
    output = log_path.read_text()
    for line in (
        "dev: config: .venv/bin/python -m scripts.config check",
        f"local_db: mysql at 127.0.0.1:{developer_mysql.port}: found MariaDB ",
        f"local_db: mongo at 127.0.0.1:{stack_ports['mongo']}: found FerretDB ",
        f"bootstrap: MySQL 127.0.0.1:{developer_mysql.port}: database aetherion_core",
        "dev: run: .venv/bin/honcho start",
    ):
        assert line in output, output
    assert "started a private" not in output
    found = (tmp_path / "var" / "dev" / "found.env").read_text()
    assert f"@127.0.0.1:{developer_mysql.port}/aetherion_core" in found and f"127.0.0.1:{stack_ports['mongo']}" in found
