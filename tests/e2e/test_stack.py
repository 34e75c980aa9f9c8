"""End to end: Procfile.test under honcho, driven over real HTTP, then stopped with SIGTERM.

The shared test stack runs the three services on the session's databases; the signal tests start
every line of Procfile.test, databases included, as a stack of their own, since they stop it.
"""

import signal
import threading
import time

import httpx
import psutil
import pytest

from apps.fastapi_market.settings import load_settings as market_settings
from scripts.stack_processes import run_module
from tests import http_client
from tests.deadlines import within_promise
from tests.ingest import BatchLog, make_bars, post_bars, stored_bars, unique_set
from tests.processes import SeparateProcesses
from tests.stack import HonchoStack, clean_env, isolated_ports, port_is_free, stack_env, wait_until

READ_TIMEOUT_S = market_settings("test").regime_read_timeout
# What the docs promise for a stack stopped by SIGTERM or SIGINT (each server drains within SERVER_GRACEFUL_TIMEOUT).
STOP_PROMISE_S = 10


def test_smoke_script_is_green_against_the_stack(test_stack):
    result = run_module("scripts.smoke", clean_env(), 300, "--json", "--timeout", "60")  # a state, not a speed
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok": true' in result.stdout


def test_honcho_runs_the_three_services_of_the_shared_stack(test_stack):
    assert set(test_stack.pids()) == {"django_core", "fastapi_market", "flask_regime"}


def test_check_regime_is_503_while_flask_is_frozen_and_recovers(test_stack, test_urls):
    url = f"{test_urls['fastapi_market']}/check-regime"
    assert http_client.get(url, timeout=5).json() == {"status": "flask_regime running"}
    test_stack.signal_group("flask_regime", signal.SIGSTOP)
    try:
        started = time.monotonic()
        frozen = http_client.get(url, timeout=60)
        elapsed = time.monotonic() - started
        # FastAPI itself keeps answering while its downstream hangs.
        assert http_client.get(f"{test_urls['fastapi_market']}/health", timeout=5).status_code == 200
    finally:
        test_stack.signal_group("flask_regime", signal.SIGCONT)
    assert frozen.status_code == 503
    assert frozen.headers["content-type"] == "application/problem+json"
    assert "did not answer within the timeout" in frozen.json()["detail"]
    # FastAPI's own read timeout answered, not the client's: the time itself is make bench's figure.
    assert elapsed < within_promise(READ_TIMEOUT_S), f"took {elapsed:.2f} s"
    wait_until(lambda: http_client.get(url, timeout=10).status_code == 200, 60, "/check-regime back to 200")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_every_process_frees_every_port_and_keeps_acknowledged_writes(sig, tmp_path):
    """A stack of its own (the shared one serves the other tests), stopped as a user would while
    a client writes bars; afterwards its MongoDB data, started alone, holds every acknowledged bar."""
    ports = isolated_ports()
    stack = HonchoStack("Procfile.test", tmp_path / "honcho.log", stack_env(ports))
    market = f"http://127.0.0.1:{ports['fastapi_market']}"
    symbol = f"FLT.{sig.name}"
    log = BatchLog()
    try:
        stack.bring_up(ports)
        assert set(stack.pids()) == {"mysql", "mongo", "django_core", "fastapi_market", "flask_regime"}
        members = stack.group_members()
        assert len(members) >= 6, "honcho and its five processes"
        writer = threading.Thread(target=write_until_refused, args=(market, symbol, log))
        writer.start()
        wait_until(lambda: len(log.acknowledged) >= 3, 60, "three batches acknowledged")
        took = stack.stop(sig, timeout=120)  # SIGKILL only past that: a stop that needed it fails below
        writer.join(60)
        assert took < within_promise(STOP_PROMISE_S), f"honcho took {took:.1f} s to stop"
        survivors = [p for p in members if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert survivors == []
        assert {name: port for name, port in ports.items() if not port_is_free(port)} == {}

        mongo = SeparateProcesses(ports, tmp_path)  # the stopped stack's data, served alone
        mongo.start("mongo")
        try:
            mongo.wait_listening("mongo")
            stored = stored_bars(mongo.env["MONGO_URL"], market_settings("test").mongo.database, [symbol])
        finally:
            mongo.stop("mongo")
        acknowledged = unique_set(log.acknowledged_bars())
        assert {key: stored.get(key) for key in acknowledged} == acknowledged, "an acknowledged bar was lost"
        print(
            f"\nscenario 4 ({sig.name}): honcho stopped in {took:.2f} s; {len(acknowledged)} acknowledged "
            f"bars all stored ({len(stored)} stored, {len(log.unacknowledged)} batches refused)"
        )
    finally:
        if stack.running:
            stack.stop(signal.SIGKILL)
        stack.remove_private_data(ports)


def write_until_refused(market: str, symbol: str, log: BatchLog) -> None:
    """Post batches of 100 new bars until the service stops answering."""
    bars = make_bars(symbol, 20_000)
    with httpx.Client() as client:
        for start in range(0, len(bars), 100):
            batch = bars[start : start + 100]
            try:
                response = post_bars(market, batch, client, timeout=15)
            except httpx.HTTPError:
                response = None
            log.record(batch, response)
            if response is None or response.status_code >= 500:
                return
