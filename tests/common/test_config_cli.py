"""scripts/config.py check / show."""

import re

import pytest

from apps.common.access import table_markdown
from apps.common.auth import accepted_parse, token_digest
from apps.common.config import REPO_ROOT
from scripts import config
from scripts.stack_processes import run_module
from tests.stack import TEST_TOKENS, clean_env


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
    for secret in ("DJANGO_SECRET_KEY", "DJANGO_CORE_TOKEN"):
        assert "********" in rows[secret]
    assert "aetherion-test" not in out and "test-only-django-key" not in out
    assert not any(token in out for token in TEST_TOKENS.values())
    assert "token DJANGO_CORE_TOKEN (set): django_core may call fastapi_market POST /regime/{symbol}/fit; " in out
    assert "; flask_regime POST /regime;" in out
    assert "accepts the tokens of: django_core, fastapi_market, operator (ACCEPTED_TOKENS, as SHA-256 digests)" in out


def test_show_names_the_database_server_that_answers(session_databases, stack_ports):
    result = run_module("scripts.config", clean_env(COLUMNS="200"), 60, "show")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    mysql_line = rf"MySQL at 127\.0\.0\.1:{stack_ports['mysql']}: MariaDB \d+\.\d+\.\d+"
    assert any(re.fullmatch(mysql_line, line) for line in lines)
    assert f"MongoDB at 127.0.0.1:{stack_ports['mongo']}: FerretDB 1.24.1 + PostgreSQL" in lines


@pytest.mark.parametrize(
    "argv",
    [["check", "--profile", "production"], ["--profile", "production", "check"]],
    ids=["as-its-usage-line-writes-it", "before-the-command"],
)
def test_profile_goes_before_or_after_the_command(argv, capsys):
    assert config.main(argv) == 1  # the committed dev secrets are refused in production
    assert "django_core: DJANGO_SECRET_KEY: a committed dev or test value" in capsys.readouterr().out


def test_show_takes_the_profile_after_the_service(capsys):
    assert config.main(["show", "flask_regime", "--profile", "production"]) == 0
    assert "flask_regime (production profile)" in capsys.readouterr().out


def test_token_makes_a_secret_and_the_digest_services_accept(capsys):
    assert config.main(["token", "django_core"]) == 0
    lines = capsys.readouterr().out.splitlines()
    name, _, value = lines[0].partition("=")
    assert name == "DJANGO_CORE_TOKEN" and len(value) >= 48
    assert lines[1] == f"ACCEPTED_TOKENS entry: django_core:{token_digest(value)}"
    assert accepted_parse(lines[1].split(": ", 1)[1]) == {token_digest(value): "django_core"}


def test_access_prints_the_table_and_docs_security_md_holds_it(capsys):
    assert config.main(["access"]) == 0
    printed = capsys.readouterr().out
    assert printed == table_markdown()
    page = (REPO_ROOT / "docs" / "security.md").read_text()
    between = page.split("<!-- access-table:start -->\n", 1)[1].split("<!-- access-table:end -->", 1)[0]
    assert between == printed, "docs/security.md's table is not the code's: paste `python scripts/config.py access`"
