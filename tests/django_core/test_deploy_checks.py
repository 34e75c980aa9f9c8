"""The deploy checks (Django's check --deploy and the project's) run before production migrates or
serves, and a warning stops it: the migrate job (bootstrap_db), gunicorn's master, and serve."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from apps.common.config import REPO_ROOT
from apps.django_core import deploy_checks
from scripts.stack_processes import procfile_read, run_module
from tests.deploy.manifests import production_env, production_tokens
from tests.stack import free_port

# A key our own secret rules take (32+ characters, no placeholder word) that Django's W009 refuses
# (fewer than 5 distinct characters): only Django's own deploy check can stop it.
WEAK_FOR_DJANGO = "ab" * 30


def without_operator(port: int) -> dict[str, str]:
    """Production settings that pass the config rules but accept no operator's token (aetherion.W002)."""
    tokens = production_tokens()
    env = production_env("django_core", port, {c: t for c, t in tokens.items() if c != "operator"})
    env["OPERATOR_TOKEN"] = tokens["operator"]
    return env


CASES = {
    "project": (without_operator, "aetherion.W002"),
    "django": (
        lambda port: {**production_env("django_core", port), "DJANGO_SECRET_KEY": WEAK_FOR_DJANGO},
        "security.W009",
    ),
}


@pytest.mark.posix  # gunicorn runs on POSIX only
@pytest.mark.parametrize("case", CASES)
def test_gunicorn_refuses_to_serve_when_a_deploy_check_warns(case):
    make_env, check_id = CASES[case]
    port = free_port()
    result = subprocess.run(
        shlex.split(procfile_read(REPO_ROOT / "deploy" / "Procfile.prod")["django_core"]),
        env=make_env(port),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "django_core: not serving: the deploy checks failed." in result.stderr
    assert check_id in result.stderr
    assert "Booting worker" not in result.stderr  # stopped in the master, before any worker


@pytest.mark.parametrize("case", CASES)
def test_the_migrate_job_stops_before_any_database_when_a_deploy_check_warns(case):
    make_env, check_id = CASES[case]
    env = make_env(free_port())  # its MYSQL_URL and MONGO_URL name ports nothing listens on
    result = run_module("scripts.bootstrap_db", env, 120)
    assert result.returncode == 2, result.stderr
    assert check_id in result.stderr
    assert result.stderr.strip().endswith(
        "bootstrap: stopped before touching a database: the deploy checks above failed"
    )
    assert "MySQL" not in result.stderr and "MongoDB" not in result.stderr


def test_serve_refuses_in_production_when_a_deploy_check_warns():
    port = free_port()
    result = run_module("apps.django_core", without_operator(port), 60, "serve", "--noreload")
    assert result.returncode != 0
    assert "not serving: the deploy checks failed." in result.stderr and "aetherion.W002" in result.stderr


def test_the_migrate_job_passes_the_deploy_checks_with_good_settings():
    """The same job with every secret right gets past the checks, to the databases (none answer here)."""
    result = run_module("scripts.bootstrap_db", production_env("django_core", free_port()), 120)
    assert "bootstrap: deploy checks (Django's check --deploy and the project's): no issues" in result.stderr
    assert result.returncode == 1  # MySQL and MongoDB do not answer at the addresses given


def test_a_route_missing_from_the_access_table_is_a_deploy_warning(monkeypatch):
    assert deploy_checks.routes_in_the_access_table() == []
    real = deploy_checks.route_methods
    monkeypatch.setattr(
        deploy_checks, "route_methods", lambda service, route: () if route == "api/services/" else real(service, route)
    )
    warnings = deploy_checks.routes_in_the_access_table()
    assert [(w.id, w.msg) for w in warnings] == [
        ("aetherion.W001", "The route 'api/services/' has no rule in the access table: it is refused to every caller.")
    ]
