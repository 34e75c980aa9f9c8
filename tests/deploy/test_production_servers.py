"""The production servers of deploy/Procfile.prod stop gracefully on SIGTERM, as platforms stop them."""

from __future__ import annotations

import shlex
import signal
import socket
import threading

import httpx
import psutil
import pytest

from apps.common.config import REPO_ROOT, SERVICES
from apps.common.health import LIVENESS_PATH
from apps.common.server import parse_server
from scripts.config import inspect
from scripts.stack_processes import procfile_read
from tests import http_client
from tests.deploy.manifests import production_env
from tests.stack import free_port, http_status, port_is_free, wait_until

PROCFILE = REPO_ROOT / "deploy" / "Procfile.prod"
# How each server exits once it has shut down cleanly: gunicorn with 0; uvicorn re-raises the SIGTERM it
# caught after its shutdown completes (uvicorn.Server.capture_signals), which init systems count as clean.
# uvicorn with worker processes (FASTAPI_MARKET_WORKERS > 1) exits 0; a single server process, by the signal.
CLEAN_EXIT = {
    "django_core": 0,
    "fastapi_market": 0 if parse_server(inspect("fastapi_market", "production")).workers > 1 else -signal.SIGTERM,
    "flask_regime": 0,
}
LAST_WORDS = {
    "django_core": "Shutting down: Master",
    "fastapi_market": "Application shutdown complete",
    "flask_regime": "Shutting down: Master",
}
# Seconds a platform may take on top of the server's own graceful timeout (process exit, reaping).
MARGIN = 5


def production_commands() -> dict[str, str]:
    return procfile_read(PROCFILE)


def test_procfile_prod_runs_the_three_services_under_production_servers():
    commands = production_commands()
    assert set(commands) == set(SERVICES)
    assert commands["django_core"].startswith("gunicorn --config python:apps.django_core.gunicorn_conf")
    assert commands["flask_regime"].startswith("gunicorn --config python:apps.flask_regime.gunicorn_conf")
    assert commands["fastapi_market"] == "python -m apps.fastapi_market"  # uvicorn workers, no --reload


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_production_server_answers_liveness_then_stops_on_sigterm_within_its_graceful_timeout(
    service, server_processes
):
    port = free_port()
    env = production_env(service, port)
    graceful = parse_server(inspect(service, "production")).graceful_timeout
    log_path = server_processes.log_path(service)
    process = server_processes.start(service, shlex.split(production_commands()[service]), env)
    url = f"http://127.0.0.1:{port}{LIVENESS_PATH}"

    def live() -> bool:
        assert process.poll() is None, f"{service} exited: {log_path.read_text()}"
        try:
            return http_client.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(live, 60, f"{service} {LIVENESS_PATH} = 200")
    assert http_client.get(url, timeout=2).json()["status"] == "ok"
    family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]

    process.send_signal(signal.SIGTERM)
    returncode = process.wait(timeout=graceful + MARGIN)  # raises TimeoutExpired past the grace period

    log_text = log_path.read_text()
    assert returncode == CLEAN_EXIT[service], log_text
    assert LAST_WORDS[service] in log_text
    _, alive = psutil.wait_procs(family, timeout=MARGIN)
    assert not alive, f"{service} left processes behind: {alive}"
    assert port_is_free(port)


# A request whose handler calls a dependency that accepts the connection and never answers: it stays
# in flight for that call's timeout (MySQL's 2 s, flask_regime's 1 s read), and the test sees it start.
SLOW_REQUESTS = {
    "django_core": ("/health/", lambda port: {"MYSQL_URL": f"mysql://aetherion:x@127.0.0.1:{port}/aetherion_core"}),
    "fastapi_market": ("/check-regime", lambda port: {"FLASK_REGIME_URL": f"http://127.0.0.1:{port}"}),
}


@pytest.mark.parametrize("service", sorted(SLOW_REQUESTS))
def test_request_in_flight_at_sigterm_gets_its_answer_before_the_server_exits(service, server_processes):
    path, dependency = SLOW_REQUESTS[service]
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        silent.settimeout(30)
        port = free_port()
        env = production_env(service, port) | dependency(silent.getsockname()[1])
        graceful = parse_server(inspect(service, "production")).graceful_timeout
        process = server_processes.start(service, shlex.split(production_commands()[service]), env)
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: process.poll() is None and http_status(f"{base}{LIVENESS_PATH}") == 200, 60, f"{service} live"
        )
        answers: list[httpx.Response | Exception] = []

        def ask() -> None:
            try:
                answers.append(http_client.get(base + path, timeout=graceful + MARGIN))
            except httpx.HTTPError as exc:
                answers.append(exc)

        caller = threading.Thread(target=ask)
        caller.start()
        held, _ = silent.accept()  # the handler is now waiting on its dependency
        with held:
            process.send_signal(signal.SIGTERM)
            caller.join(graceful + MARGIN)
            process.wait(timeout=graceful + MARGIN)

        (answer,) = answers
        assert isinstance(answer, httpx.Response), f"the request in flight was cut off: {answer!r}"
        assert answer.status_code == 503 and answer.headers["content-type"].startswith("application/")
        assert port_is_free(port)
