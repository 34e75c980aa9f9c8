"""scripts/config.py check / show."""

import re

from scripts import config
from scripts.stack_processes import run_module
from tests.stack import clean_env


def test_check_says_ok_for_every_service(capsys):
    assert config.main(["check"]) == 0
    assert capsys.readouterr().out.splitlines() == ["django_core: ok", "fastapi_market: ok", "flask_regime: ok"]


def test_check_lists_each_problem_per_service(monkeypatch, capsys):
    monkeypatch.setenv("FLASK_REGIME_PORT", "eighty")
    monkeypatch.setenv("MYSQL_URL", "postgres://nope")
    assert config.main(["check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "django_core: MYSQL_URL: must start with mysql:// (fix it in the environment)" in lines
    port_lines = [line for line in lines if "FLASK_REGIME_PORT: Not a valid integer" in line]
    assert [line.split(":")[0] for line in port_lines] == ["django_core", "fastapi_market", "flask_regime"]


def test_show_masks_secrets_and_names_sources():
    env = clean_env(COLUMNS="200", DJANGO_CORE_PORT="18123")
    del env["MYSQL_URL"]  # this session's stack URL: show the committed one
    result = run_module("scripts.config", env, 30, "show", "django_core")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 4}
    assert "18123" in rows["DJANGO_CORE_PORT"] and "environment" in rows["DJANGO_CORE_PORT"]
    assert "config/test.env" in rows["MYSQL_URL"] and "mysql://aetherion:********@127.0.0.1:3308" in rows["MYSQL_URL"]
    assert "config/common.env" in rows["BIND_HOST"]
    for secret in ("DJANGO_SECRET_KEY", "INTERNAL_API_TOKEN"):
        assert "********" in rows[secret]
    assert "aetherion-test" not in out and "test-internal-token" not in out and "test-only-django-key" not in out


def test_show_names_the_database_server_that_answers(session_databases, stack_ports):
    result = run_module("scripts.config", clean_env(COLUMNS="200"), 60, "show")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    mysql_line = rf"MySQL at 127\.0\.0\.1:{stack_ports['mysql']}: MariaDB \d+\.\d+\.\d+"
    assert any(re.fullmatch(mysql_line, line) for line in lines)
    assert f"MongoDB at 127.0.0.1:{stack_ports['mongo']}: FerretDB 1.24.1 + PostgreSQL" in lines
