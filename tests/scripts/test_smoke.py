"""scripts/smoke.py against the running test stack.

What smoke reports is a state (each check ok or not), never a speed: a failing check here is a refused
connection (port 1), which fails at once whatever the timeout, so the healthy checks get a timeout that
a busy machine does not reach. How long smoke takes is make bench's figure (smoke_s).
"""

import json

import pytest

from scripts import smoke
from scripts.stack_processes import run_module
from tests.stack import clean_env, health_urls, http_status, wait_until

CHECK_TIMEOUT_S = "60"


@pytest.fixture(autouse=True)
def healthy(test_stack, stack_ports):
    """The shared stack answering, as smoke expects it (an earlier test may have frozen a service)."""
    wait_until(lambda: all(http_status(url, 30) == 200 for url in health_urls(stack_ports)), 120, "stack healthy")
    return test_stack


def test_command_prints_a_green_table():
    result = run_module("scripts.smoke", clean_env(COLUMNS="120"), 300, "--timeout", CHECK_TIMEOUT_S)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if "ok 200" in line]
    assert len(rows) == 4
    assert "FAIL" not in result.stdout


def test_json_names_the_failing_check_and_exits_1(capsys):
    assert smoke.main(["--json", "--timeout", CHECK_TIMEOUT_S, "--flask-url", "http://127.0.0.1:1"]) == 1
    report = json.loads(capsys.readouterr().out)
    outcome = {check["name"]: check["ok"] for check in report["checks"]}
    assert report["ok"] is False
    assert outcome == {
        "django_core /health/": True,
        "fastapi_market /health": True,
        "flask_regime /health": False,
        # The stack's own FastAPI still reaches its own Flask: the flag only moves smoke's view.
        "fastapi_market /check-regime": True,
    }


def test_all_green_json_exits_0(capsys):
    assert smoke.main(["--json", "--timeout", CHECK_TIMEOUT_S]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and len(report["checks"]) == 4
    assert all(check["latency_ms"] > 0 for check in report["checks"])
