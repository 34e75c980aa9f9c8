"""The fault figures: how soon /check-regime answers while Flask is frozen, and how long the whole
stack takes to stop on SIGTERM. The tests check both behaviours with a margin a loaded machine meets
(tests/deadlines.py); how fast they are is measured here."""

from __future__ import annotations

import time

from scripts.benchmarks.figures import BenchError
from scripts.benchmarks.processes import Honcho
from scripts.benchmarks.stack import BenchStack, settings_in


def frozen_flask_503_ms(stack: BenchStack, honcho: Honcho) -> tuple[float, float]:
    """Milliseconds until ``GET /check-regime`` answers while every flask_regime process of ``honcho``
    is stopped (SIGSTOP); and FastAPI's read timeout to Flask in milliseconds, its baseline."""
    import httpx

    from apps.fastapi_market.settings import load_settings

    frozen = [p for p in honcho.members() if "flask_regime" in " ".join(p.cmdline())]
    if not frozen:
        raise BenchError("no flask_regime process to freeze in the stack")
    for process in frozen:
        process.suspend()
    try:
        started = time.monotonic()
        response = httpx.get(f"{stack.ports.url('fastapi_market')}/check-regime", timeout=60)
        took_ms = (time.monotonic() - started) * 1000
    finally:
        for process in frozen:
            process.resume()
    if response.status_code != 503:
        raise BenchError(f"/check-regime answered {response.status_code} while Flask was frozen, not 503")
    return took_ms, settings_in(stack.prod_env, load_settings).regime_read_timeout * 1000


def stack_stop_s(stack: BenchStack, honcho: Honcho) -> tuple[float, float]:
    """Seconds from SIGTERM to ``honcho`` until it and every process it ran have exited; and the
    servers' graceful timeout (SERVER_GRACEFUL_TIMEOUT), its baseline."""
    import psutil

    from apps.fastapi_market.settings import load_settings

    members = honcho.members()
    started = time.monotonic()
    honcho.stop(timeout=60)
    psutil.wait_procs(members, timeout=30)
    return time.monotonic() - started, settings_in(stack.prod_env, load_settings).server.graceful_timeout
