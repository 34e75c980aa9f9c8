"""The production servers of deploy/Procfile.prod stop gracefully on SIGTERM, as platforms stop them."""

from __future__ import annotations

import shlex
import signal
import subprocess

import httpx
import psutil
import pytest
from honcho.environ import parse_procfile

from apps.common.config import REPO_ROOT, inspect
from apps.common.server import parse_server
from tests.deploy.manifests import kill_group, production_env
from tests.stack import free_port, port_is_free, wait_until

PROCFILE = REPO_ROOT / "deploy" / "Procfile.prod"
LIVENESS = {"django_core": "/health/live", "fastapi_market": "/health/live", "flask_regime": "/health/live"}
# How each server exits once it has shut down cleanly: gunicorn with 0; uvicorn re-raises the SIGTERM it
# caught after its shutdown completes (uvicorn.Server.capture_signals), which init systems count as clean.
CLEAN_EXIT = {"django_core": 0, "fastapi_market": -signal.SIGTERM, "flask_regime": 0}
LAST_WORDS = {"django_core": "Shutting down: Master", "fastapi_market": "Application shutdown complete",
              "flask_regime": "Shutting down: Master"}
# Seconds a platform may take on top of the server's own graceful timeout (process exit, reaping).
MARGIN = 5


def production_commands() -> dict[str, str]:
    return parse_procfile(PROCFILE.read_text()).processes


def test_procfile_prod_runs_the_three_services_under_production_servers():
    commands = production_commands()
    assert set(commands) == set(LIVENESS)
    assert commands["django_core"].startswith("gunicorn --config python:apps.django_core.gunicorn_conf")
    assert commands["flask_regime"].startswith("gunicorn --config python:apps.flask_regime.gunicorn_conf")
    assert commands["fastapi_market"] == "python -m apps.fastapi_market"  # uvicorn workers, no --reload


@pytest.mark.parametrize("service", sorted(LIVENESS))
def test_production_server_answers_liveness_then_stops_on_sigterm_within_its_graceful_timeout(service, tmp_path):
    port = free_port()
    env = production_env(service, port)
    graceful = parse_server(inspect(service, "production")).graceful_timeout
    log_path = tmp_path / f"{service}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            shlex.split(production_commands()[service]), cwd=REPO_ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}{LIVENESS[service]}"

        def live() -> bool:
            assert process.poll() is None, f"{service} exited: {log_path.read_text()}"
            try:
                return httpx.get(url, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(live, 60, f"{service} {LIVENESS[service]} = 200")
        assert httpx.get(url, timeout=2).json()["status"] == "ok"
        family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]

        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=graceful + MARGIN)  # raises TimeoutExpired past the grace period

        log_text = log_path.read_text()
        assert returncode == CLEAN_EXIT[service], log_text
        assert LAST_WORDS[service] in log_text
        _, alive = psutil.wait_procs(family, timeout=MARGIN)
        assert not alive, f"{service} left processes behind: {alive}"
        assert port_is_free(port)
    finally:
        kill_group(process)
