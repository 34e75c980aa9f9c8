"""Profiles: dev ships dev secrets; production refuses them, placeholders and short ones, and passes
Django's deploy checks."""

import subprocess

import pytest

from apps.common.config import REPO_ROOT, SERVICES, parse_common, read_unsealed
from apps.common.secret_rules import SECRET_MIN_LENGTH, STRONG_VALUE_COMMAND
from scripts.config import inspect
from scripts.stack_processes import run_module
from tests.deploy.manifests import production_secrets
from tests.processes import procfile_commands
from tests.stack import clean_env

REAL = {**production_secrets(), "DJANGO_ALLOWED_HOSTS": "core.example.com"}


def production_problems(monkeypatch, service: str = "django_core", **env) -> list[str]:
    """``service``'s problems in production (``scripts``: a script's, which sends OPERATOR_TOKEN)."""
    for name, value in {**REAL, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if service == "scripts":
        return read_unsealed("scripts", parse_common, "production").problems()
    return inspect(service, "production").problems()


@pytest.mark.parametrize("service", SERVICES)
def test_production_with_real_values_is_valid(monkeypatch, service):
    assert production_problems(monkeypatch, service) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY: a committed dev or test value"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY: required in the production profile"),
        ({"DJANGO_CORE_TOKEN": None}, "DJANGO_CORE_TOKEN: a committed dev or test value"),
        ({"DJANGO_CORE_TOKEN": "dev-django-core-token"}, "DJANGO_CORE_TOKEN: a committed dev or test value"),
        ({"ACCEPTED_TOKENS": ""}, "ACCEPTED_TOKENS: required in the production profile"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG: must be false in the production profile"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS: required in the production profile"),
    ],
)
def test_production_refuses_dev_values(monkeypatch, env, expected):
    problems = production_problems(monkeypatch, **env)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    assert problems[0].endswith("(set it in the environment)")


PLACEHOLDERS = [
    "REPLACE-ME-with-a-long-random-django-secret-key",  # deploy/k8s/secret.yaml's old value
    "CHANGE-ME-to-a-long-random-value-of-your-own-0123",  # deploy/production.env.example's old value
    "this-is-an-example-value-that-is-long-enough-to-pass",
    "my-super-secret-value-which-is-very-long-indeed-yes",
    "password-password-password-password-password",
    "your-token-goes-here-and-is-long-enough-0123456789",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_CORE_TOKEN"])
def test_production_refuses_placeholder_secrets_naming_the_variable_and_the_recipe(monkeypatch, variable, value):
    assert len(value) >= SECRET_MIN_LENGTH  # refused for what it says, not for its length
    problems = production_problems(monkeypatch, **{variable: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{variable}: looks like a placeholder")
    assert STRONG_VALUE_COMMAND in problems[0]


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "FASTAPI_MARKET_TOKEN", "OPERATOR_TOKEN"])
def test_production_refuses_secrets_shorter_than_the_minimum(monkeypatch, variable):
    service = {"FASTAPI_MARKET_TOKEN": "fastapi_market", "OPERATOR_TOKEN": "scripts"}.get(variable, "django_core")
    short = "k7Qz9vW2mXr4Tb8Ln3Pd6Hs1Jf5Gc0A"[: SECRET_MIN_LENGTH - 1]
    problems = production_problems(monkeypatch, service, **{variable: short})
    assert problems == [
        f"{variable}: {SECRET_MIN_LENGTH - 1} characters: a secret has at least {SECRET_MIN_LENGTH}; "
        f"make one with: {STRONG_VALUE_COMMAND} (set it in the environment)"
    ]
    assert production_problems(monkeypatch, service, **{variable: short + "Y"}) == []


def test_production_refuses_the_digest_of_a_committed_token(monkeypatch):
    from apps.common.auth import token_digest

    accepted = f"{REAL['ACCEPTED_TOKENS']},operator:{token_digest('dev-operator-token')}"
    problems = production_problems(monkeypatch, "fastapi_market", **{"ACCEPTED_TOKENS": accepted})
    assert problems == [
        "ACCEPTED_TOKENS: lists the digest of a committed dev or test token (set it in the environment)"
    ]


def test_dev_profile_ships_working_dev_values():
    assert inspect("django_core", "dev").problems() == []


def test_production_refuses_to_start_a_service_that_accepts_the_dev_tokens():
    """config/common.env's ACCEPTED_TOKENS (the dev tokens' digests) is all it has."""
    result = run_module("apps.flask_regime", clean_env(APP_ENV="production"), 30)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "flask_regime: config error: ACCEPTED_TOKENS: lists the digest of a committed dev or test token "
        "(set it in the environment)"
    )


def test_django_deploy_checks_pass_in_production():
    result = run_module(
        "apps.django_core", clean_env(APP_ENV="production", **REAL), 60, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # security.W005 and W021: HSTS for subdomains and the preload list are off by choice (opt-in)
    assert "System check identified no issues (2 silenced)." in result.stdout


SECURITY_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "31536000 False False None"),
        ({"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true", "DJANGO_HSTS_PRELOAD": "true"}, "31536000 True True None"),
        ({"DJANGO_BEHIND_PROXY": "true"}, "31536000 False False ('HTTP_X_FORWARDED_PROTO', 'https')"),
    ],
    ids=["defaults", "hsts-opted-in", "behind-a-proxy"],
)
def test_hsts_preload_and_the_proxy_header_are_the_deployment_s_choice(env, expected):
    """HSTS preload and subdomains are opt-in; X-Forwarded-Proto is trusted only when a proxy is declared."""
    result = run_module(
        "apps.django_core",
        clean_env(APP_ENV="production", **REAL, **env),
        60,
        "shell",
        "--no-imports",
        "-c",
        SECURITY_SETTINGS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


PRODUCTION_COMMANDS = procfile_commands("deploy/Procfile.prod")


@pytest.mark.parametrize(
    ("service", "env", "variable"),
    [
        ("django_core", {"DJANGO_CORE_TOKEN": None}, "DJANGO_CORE_TOKEN"),
        ("fastapi_market", {"FASTAPI_MARKET_TOKEN": "x" * 31}, "FASTAPI_MARKET_TOKEN"),
        ("flask_regime", {"ACCEPTED_TOKENS": None}, "ACCEPTED_TOKENS"),
        ("django_core", {"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ("django_core", {"DJANGO_DEBUG": "True"}, "DJANGO_DEBUG"),
    ],
    ids=[
        "django-dev-token",
        "fastapi-placeholder-token",
        "flask-no-accepted-tokens",
        "django-dev-secret-key",
        "django-debug",
    ],
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
