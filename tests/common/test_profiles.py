"""Profiles: dev ships dev secrets; production refuses them, and passes Django's deploy checks."""

import secrets
import subprocess

import pytest

from apps.common.config import REPO_ROOT
from scripts.config import inspect
from scripts.stack_processes import run_module
from tests.processes import procfile_commands
from tests.stack import clean_env

REAL = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "INTERNAL_API_TOKEN": secrets.token_urlsafe(32),
    "DJANGO_ALLOWED_HOSTS": "core.example.com",
}


def production_problems(monkeypatch, **env) -> list[str]:
    for name, value in {**REAL, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return inspect("django_core", "production").problems()


def test_production_with_real_values_is_valid(monkeypatch):
    assert production_problems(monkeypatch) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY: the dev value is refused in the production profile"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY: required in the production profile"),
        ({"INTERNAL_API_TOKEN": None}, "INTERNAL_API_TOKEN: the dev value is refused in the production profile"),
        ({"INTERNAL_API_TOKEN": "dev-internal-token"}, "INTERNAL_API_TOKEN: the dev value is refused"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG: must be false in the production profile"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS: required in the production profile"),
    ],
)
def test_production_refuses_dev_values(monkeypatch, env, expected):
    problems = production_problems(monkeypatch, **env)
    assert len(problems) == 1 and problems[0].startswith(expected)
    assert problems[0].endswith("(set it in the environment)")


def test_dev_profile_ships_working_dev_values():
    assert inspect("django_core", "dev").problems() == []


def test_production_refuses_to_start_a_service_with_the_dev_token():
    result = run_module("apps.flask_regime", clean_env(APP_ENV="production"), 30)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("flask_regime: config error: INTERNAL_API_TOKEN: the dev value is refused")


def test_django_deploy_checks_pass_in_production():
    result = run_module(
        "apps.django_core", clean_env(APP_ENV="production", **REAL), 60, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PRODUCTION_COMMANDS = procfile_commands("deploy/Procfile.prod")


@pytest.mark.parametrize(
    ("service", "env", "variable"),
    [
        ("django_core", {"INTERNAL_API_TOKEN": None}, "INTERNAL_API_TOKEN"),
        ("fastapi_market", {"INTERNAL_API_TOKEN": None}, "INTERNAL_API_TOKEN"),
        ("flask_regime", {"INTERNAL_API_TOKEN": None}, "INTERNAL_API_TOKEN"),
        ("django_core", {"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ("django_core", {"DJANGO_DEBUG": "True"}, "DJANGO_DEBUG"),
    ],
    ids=["django-dev-token", "fastapi-dev-token", "flask-dev-token", "django-dev-secret-key", "django-debug"],
)
@pytest.mark.posix  # gunicorn, the production server of two of the lines, runs on POSIX only
def test_the_production_start_command_refuses_dev_values(service, env, variable):
    """deploy/Procfile.prod's own line (gunicorn, or python -m for FastAPI): non-zero, one line naming it."""
    assignments, argv = PRODUCTION_COMMANDS[service]
    values = {name: value for name, value in {**REAL, **env}.items() if value is not None}
    result = subprocess.run(
        argv,
        env=clean_env(APP_ENV="production", **assignments, **values),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith(f"{service}: config error: {variable}: "), result.stderr
