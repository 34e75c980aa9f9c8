"""What the stack costs around its requests: scripts/smoke.py's wall time, and the idle stack's memory
beside bare hello apps of the same frameworks under the same servers."""

from __future__ import annotations

import functools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from apps.common.config import REPO_ROOT, SERVICES
from apps.common.health import READINESS_PATHS
from scripts.benchmarks.figures import BenchError
from scripts.benchmarks.load import wrk
from scripts.benchmarks.processes import Honcho, start_ready
from scripts.benchmarks.stack import BenchStack, fastapi_workers, settings_in
from scripts.stack_processes import free_port, procfile_write


def smoke(stack: BenchStack, env: dict[str, str]) -> tuple[float, float]:
    """Median wall time of scripts/smoke.py, and its baseline."""
    argv = [
        sys.executable,
        "-m",
        "scripts.smoke",
        "--django-url",
        stack.ports.url("django_core"),
        "--fastapi-url",
        stack.ports.url("fastapi_market"),
        "--flask-url",
        stack.ports.url("flask_regime"),
    ]
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
        walls.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise BenchError(f"scripts/smoke.py failed: {result.stdout[-400:]}{result.stderr[-400:]}")
    interpreter = statistics.median(
        wall_s(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)) for _ in range(3)
    )
    checks = [stack.ports.health_url(name) for name in SERVICES] + [f"{stack.ports.url('fastapi_market')}/check-regime"]
    slowest = max(statistics.median(wall_s(functools.partial(get_fresh, url)) for _ in range(3)) for url in checks)
    return statistics.median(walls), interpreter + slowest


def idle_rss(honcho: Honcho) -> float:
    """The RSS (MB) of every process of ``honcho``'s stack, a second after it last answered."""
    time.sleep(1)
    return honcho.rss_mb()


def hello_rss(stack: BenchStack) -> float:
    """RSS of bare hello apps of the three frameworks under the same servers and worker counts."""
    from apps.django_core.env import load_settings as django_settings
    from apps.flask_regime.settings import load_settings as flask_settings

    ports = {name: free_port() for name in SERVICES}
    lines: dict[str, str] = {}
    servers = {
        "django_core": settings_in(stack.prod_env, django_settings).server,
        "flask_regime": settings_in(stack.prod_env, flask_settings).server,
    }
    for name, factory in (("django_core", "django_hello()"), ("flask_regime", "flask_hello()")):
        server = servers[name]
        worker = "gthread" if server.threads > 1 else "sync"
        lines[name] = (
            f"gunicorn --bind 127.0.0.1:{ports[name]} --workers {server.workers} --threads {server.threads} "
            f"--worker-class {worker} 'scripts.bench_apps:{factory}'"
        )
    lines["fastapi_market"] = (
        f"uvicorn --factory scripts.bench_apps:fastapi_hello --host 127.0.0.1 "
        f"--port {ports['fastapi_market']} --workers {fastapi_workers(stack.prod_env)} "
        f"--no-access-log --log-level warning"
    )
    hello = stack.honcho(procfile_write(stack.workdir / "Procfile.hello", lines), stack.prod_env)
    urls = [f"http://127.0.0.1:{ports[name]}{READINESS_PATHS[name]}" for name in SERVICES]
    start_ready(hello, urls)
    for url in urls:  # let every worker answer once, as the measured stack has
        wrk(url, 1, connections=4)
    rss = idle_rss(hello)
    hello.stop()
    return rss


def wall_s(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def get_fresh(url: str) -> None:
    import httpx

    with httpx.Client(timeout=10) as client:
        client.get(url).raise_for_status()
