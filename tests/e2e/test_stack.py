"""End to end: Procfile.test under honcho, driven over real HTTP, then stopped with SIGTERM."""

import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from tests.stack import HonchoStack, clean_env, isolated_ports, port_is_free, stack_env, wait_until


def test_smoke_script_is_green_against_the_stack(test_stack):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.smoke", "--json"], env=clean_env(),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"ok": true' in result.stdout


def test_honcho_runs_every_procfile_line(test_stack):
    assert set(test_stack.pids()) == {"mysql", "mongo", "django_core", "fastapi_market", "flask_regime"}


def test_check_regime_is_503_while_flask_is_frozen_and_recovers(test_stack, test_urls):
    url = f"{test_urls['fastapi_market']}/check-regime"
    assert httpx.get(url, timeout=5).json() == {"status": "flask_regime running"}
    test_stack.signal_group("flask_regime", signal.SIGSTOP)
    try:
        started = time.monotonic()
        frozen = httpx.get(url, timeout=10)
        elapsed = time.monotonic() - started
        # FastAPI itself keeps answering while its downstream hangs.
        assert httpx.get(f"{test_urls['fastapi_market']}/health", timeout=5).status_code == 200
    finally:
        test_stack.signal_group("flask_regime", signal.SIGCONT)
    assert frozen.status_code == 503
    assert frozen.headers["content-type"] == "application/problem+json"
    assert "did not answer within the timeout" in frozen.json()["detail"]
    assert elapsed < 2, f"took {elapsed:.2f} s"
    wait_until(lambda: httpx.get(url, timeout=5).status_code == 200, 5, "/check-regime back to 200")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_every_process_and_frees_every_port(sig, tmp_path):
    """A stack of its own (the shared one serves the other tests), stopped as a user would."""
    ports = isolated_ports()
    stack = HonchoStack("Procfile.test", tmp_path / "honcho.log", stack_env(ports))
    try:
        stack.bring_up(ports)
        members = stack.group_members()
        assert len(members) >= 6, "honcho and its five processes"
        took = stack.stop(sig, timeout=15)
        assert took < 10, f"honcho took {took:.1f} s to stop"
        survivors = [p for p in members if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert survivors == []
        assert {name: port for name, port in ports.items() if not port_is_free(port)} == {}
    finally:
        if stack.running:
            stack.stop(signal.SIGKILL)
        stack.remove_private_data(ports)
