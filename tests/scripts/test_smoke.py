"""scripts/smoke.py against the running test stack."""

import json

from scripts import smoke
from scripts.stack_processes import run_module
from tests.stack import clean_env


def test_command_prints_a_green_table(test_stack):
    result = run_module("scripts.smoke", clean_env(COLUMNS="120"), 60)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if "ok 200" in line]
    assert len(rows) == 4
    assert "FAIL" not in result.stdout


def test_json_names_the_failing_check_and_exits_1(test_stack, capsys):
    assert smoke.main(["--json", "--timeout", "2", "--flask-url", "http://127.0.0.1:1"]) == 1
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


def test_all_green_json_exits_0(test_stack, capsys):
    assert smoke.main(["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and len(report["checks"]) == 4
    assert all(check["latency_ms"] > 0 for check in report["checks"])
