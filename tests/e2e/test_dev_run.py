"""End to end: `python -m scripts.dev run`, the runner behind `make run`, started from another
directory with no make or bash on PATH, brings the dev stack up and stops all of it on SIGTERM.

It runs the dev Procfile on free ports of its own, on the test stack's databases (they answer, so
the runner starts no server of its own), so it never meets a developer's stack.
"""

import signal
import sys

import psutil

from scripts import process_groups
from tests.stack import VENV_BIN, clean_env, free_port, http_status, port_is_free, wait_until

SERVICES = ("django_core", "fastapi_market", "flask_regime")
HEALTH_PATHS = {"django_core": "/health/", "fastapi_market": "/health", "flask_regime": "/health"}


def test_runner_brings_the_dev_stack_up_and_sigterm_stops_every_process(test_stack, tmp_path):
    ports = {service: free_port() for service in SERVICES}
    env = clean_env(APP_ENV="dev", PATH=str(VENV_BIN), **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()})
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        runner = process_groups.start([sys.executable, "-m", "scripts.dev", "run"], cwd=tmp_path, env=env,
                                      stdout=log, stderr=log)
    family: list[psutil.Process] = []
    try:
        urls = [f"http://127.0.0.1:{ports[s]}{HEALTH_PATHS[s]}" for s in SERVICES]

        def healthy() -> bool:
            assert runner.poll() is None, log_path.read_text()
            return all(http_status(url) == 200 for url in urls)

        wait_until(healthy, 120, "the dev stack's three /health = 200", interval=0.5)
        family = psutil.Process(runner.pid).children(recursive=True)
        assert any("honcho" in " ".join(p.cmdline()) for p in family)

        runner.send_signal(signal.SIGTERM)  # to the runner alone: it passes it on to honcho
        assert runner.wait(20) == 143  # honcho's exit code for SIGTERM, passed through
    finally:
        process_groups.stop(runner, timeout=10)
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    assert all(port_is_free(port) for port in ports.values())
    output = log_path.read_text()
    for line in ("dev: config: .venv/bin/python -m apps.common.config check",
                 "dev: bootstrap: .venv/bin/python -m scripts.bootstrap_db",
                 "dev: run: .venv/bin/honcho start"):
        assert line in output, output
    assert "answering" in output and "started a private server" not in output
