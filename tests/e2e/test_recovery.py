"""Start order does not matter: services come up without their databases and recover alone."""

import shutil
import signal
import subprocess
import sys

import httpx
import pytest

from apps.common.databases import MongoTarget, MySQLTarget
from scripts.local_db import MongoServer, MySQLServer
from tests.stack import clean_env, free_port, wait_until


def health(url: str) -> tuple[int | None, dict]:
    try:
        response = httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None, {}
    return response.status_code, response.json()


@pytest.fixture
def isolated():
    """Ports of their own for two services and two databases not yet running."""
    ports = {name: free_port() for name in ("mysql", "mongo", "django", "fastapi")}
    mysql = MySQLTarget("127.0.0.1", ports["mysql"], "aetherion", "recovery-pw", "aetherion_core")
    mongo = MongoTarget(f"mongodb://127.0.0.1:{ports['mongo']}/", "aetherion_market")
    env = clean_env(
        MYSQL_URL=f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/{mysql.database}",
        MONGO_URL=mongo.url, MONGO_TIMEOUT_MS="500",
        DJANGO_CORE_PORT=str(ports["django"]), FASTAPI_MARKET_PORT=str(ports["fastapi"]),
    )
    processes: list[subprocess.Popen] = []
    yield env, ports, processes
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
    subprocess.run([sys.executable, "-m", "scripts.local_db", "stop"], env=env, capture_output=True, timeout=60)
    for server in (MySQLServer(mysql, "test"), MongoServer(mongo, "test")):
        shutil.rmtree(server.data_dir, ignore_errors=True)
        for leftover in (server.log_file, server.state_dir / f"mysql-{server.port}-init.sql"):
            leftover.unlink(missing_ok=True)


def test_services_start_without_databases_then_recover_without_restart(isolated, tmp_path):
    env, ports, processes = isolated
    commands = {
        "django": [sys.executable, "-m", "apps.django_core", "serve", "--noreload"],
        "fastapi": [sys.executable, "-m", "apps.fastapi_market"],
    }
    for name, argv in commands.items():
        with (tmp_path / f"{name}.log").open("wb") as log:
            processes.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT))
    django_url = f"http://127.0.0.1:{ports['django']}/health/"
    fastapi_url = f"http://127.0.0.1:{ports['fastapi']}/health"

    wait_until(lambda: health(django_url)[0] == 503 and health(fastapi_url)[0] == 503, 30, "both answer 503")
    assert health(django_url)[1]["failing"] == ["mysql"]
    assert health(fastapi_url)[1]["failing"] == ["mongodb"]
    assert all(p.poll() is None for p in processes), "a service died while its database was down"

    for step in (["scripts.local_db", "ensure"], ["scripts.bootstrap_db"]):
        result = subprocess.run([sys.executable, "-m", *step], env=env, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr

    took = wait_until(lambda: health(django_url)[0] == 200 and health(fastapi_url)[0] == 200, 10, "both 200")
    assert took < 5, f"recovery took {took:.1f} s"
    assert all(p.poll() is None for p in processes)
