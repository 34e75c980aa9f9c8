"""render.yaml and deploy/railway/*.json: start commands, health checks and the migration step.

Neither platform's validator runs offline, so these are structural checks against the Procfile and
the config code; each start command also runs here once, with a PORT as the platforms set it.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
from importlib import import_module

import httpx
import psutil
import pytest
import yaml
from dotenv import dotenv_values

from apps.common.config import CONFIG_DIR, REPO_ROOT, SERVICES, read_unsealed
from apps.common.health import LIVENESS_PATH, READINESS_PATHS
from scripts.config import SETTINGS_MODULES
from scripts.stack_processes import procfile_read
from tests import http_client
from tests.deploy.manifests import (
    BOOTSTRAP_READS,
    BOOTSTRAP_SERVICES,
    production_env,
    production_secrets,
    read_by,
    secrets_of,
)
from tests.stack import free_port, port_is_free, wait_until

RENDER = REPO_ROOT / "render.yaml"
RAILWAY = REPO_ROOT / "deploy" / "railway"
BOOTSTRAP = "python -m scripts.bootstrap_db"
# Variables a platform reads itself (Render's Python version), not the services.
PLATFORM_VARIABLES = {"PYTHON_VERSION"}
# What a user might answer when Render asks for a `sync: false` value.
ASKED_SAMPLES = {
    "MYSQL_URL": "mysql://aetherion:sample@db.example.com:3306/aetherion_core",
    "MONGO_URL": "mongodb://mongo.example.com:27017/",
    "FLASK_REGIME_URL": "https://aetherion-flask-regime.example.com",
    "DJANGO_ALLOWED_HOSTS": "aetherion-django-core.example.com",
}
# Render runs a start command in a shell; Railway runs a Dockerfile service's start command without one,
# so its command brings its own. Either way one shell, which exec's the server: SIGTERM reaches it.
START = re.compile(r"^(?P<variable>\w+)=\$\{PORT:-(?P<default>\d+)\} exec (?P<command>[^']+)$")
RAILWAY_START = re.compile(r"^/bin/sh -c '(?P<start>[^']+)'$")


def procfile() -> dict[str, str]:
    return procfile_read(REPO_ROOT / "deploy" / "Procfile.prod")


def render() -> dict:
    return yaml.safe_load(RENDER.read_text())


def render_service(service: str) -> dict:
    return next(s for s in render()["services"] if s["name"] == f"aetherion-{service.replace('_', '-')}")


def railway(service: str) -> dict:
    return json.loads((RAILWAY / f"{service}.json").read_text())


def render_env_vars(definition: dict) -> list[dict]:
    """A service's envVars with its groups' variables in place of each fromGroup."""
    groups = {group["name"]: group["envVars"] for group in render().get("envVarGroups", [])}
    expanded = []
    for entry in definition["envVars"]:
        expanded += groups[entry["fromGroup"]] if "fromGroup" in entry else [entry]
    return expanded


def requirement_files(name: str) -> set[str]:
    """requirements/<name> and every file it includes with -r."""
    found = {name}
    for line in (REPO_ROOT / "requirements" / name).read_text().splitlines():
        if line.startswith("-r "):
            found |= requirement_files(line.split()[1])
    return found


def dockerfile_static_steps() -> list[str]:
    """deploy/Dockerfile's two static-file steps: npm ci in its assets stage, then collectstatic."""
    from tests.deploy.test_container import collectstatic_step, instructions, stage

    (npm_ci,) = instructions(stage("assets"), "RUN")
    collect = re.fullmatch(r'if \[ "\$\{SERVICE\}" = django_core \]; then (.+); fi', collectstatic_step())
    assert collect, collectstatic_step()
    return [npm_ci, collect[1]]


def check_start_command(service: str, command: str) -> None:
    match = START.match(command)
    assert match, f"{service}: {command!r} is not <SERVICE>_PORT=${{PORT:-N}} exec <Procfile line>"
    assert match["variable"] == f"{service.upper()}_PORT"
    assert match["default"] == dotenv_values(CONFIG_DIR / "common.env")[f"{service.upper()}_PORT"]
    assert match["command"] == procfile()[service]


@pytest.mark.parametrize("service", SERVICES)
def test_render_web_service_runs_the_procfile_line_with_its_health_check(service):
    definition = render_service(service)
    assert (definition["type"], definition["runtime"]) == ("web", "python")
    check_start_command(service, definition["startCommand"])
    assert definition["healthCheckPath"] == READINESS_PATHS[service]
    install, *steps = definition["buildCommand"].split(" && ")
    requirements = re.fullmatch(r"pip install -r requirements/(\S+)", install)
    assert requirements and f"{service}.txt" in requirement_files(requirements[1])
    # django_core's build makes the static files as the image's build does; the others have none.
    assert steps == (dockerfile_static_steps() if service == "django_core" else [])
    if service == "django_core":
        assert definition["preDeployCommand"] == BOOTSTRAP
        assert {f"{s}.txt" for s in BOOTSTRAP_SERVICES} <= requirement_files(requirements[1])
    else:
        assert "preDeployCommand" not in definition


def test_render_runs_the_migration_step_once():
    assert [s["name"] for s in render()["services"] if "preDeployCommand" in s] == ["aetherion-django-core"]


@pytest.mark.parametrize("service", SERVICES)
def test_render_env_vars_are_config_names_with_secrets_never_in_the_file(service, monkeypatch):
    definition = render_service(service)
    env_vars = render_env_vars(definition)
    keys = [entry["key"] for entry in env_vars]
    assert len(keys) == len(set(keys)), "a variable set twice"
    # What the service reads, and what its pre-deploy step (scripts/bootstrap_db.py) reads of each service.
    loaded = (BOOTSTRAP_READS if "preDeployCommand" in definition else ()) + ((service, "parse_settings"),)
    allowed = set().union(*(read_by(s, parse) for s, parse in loaded)) | PLATFORM_VARIABLES
    assert set(keys) <= allowed, f"not read by {service}: {set(keys) - allowed}"
    for entry in env_vars:
        if entry["key"] in set().union(*(secrets_of(s, parse) for s, parse in loaded)):
            assert "value" not in entry and (entry.get("sync") is False or entry.get("generateValue") is True), entry
    # With values for what is asked at setup or generated, the production profile is satisfied.
    # Secrets asked for or generated at setup, as a deployer makes them (python -m scripts.config token).
    asked = ASKED_SAMPLES | production_secrets()
    environment = {e["key"]: str(e.get("value", asked.get(e["key"], f"asked-{e['key'].lower()}"))) for e in env_vars}
    for name, value in (environment | {f"{service.upper()}_PORT": "10000"}).items():  # from PORT at start
        monkeypatch.setenv(name, value)
    for loaded_service, parse in loaded:
        parser = getattr(import_module(SETTINGS_MODULES[loaded_service]), parse)
        assert read_unsealed(loaded_service, parser, "production").problems() == []


@pytest.mark.parametrize("service", SERVICES)
def test_railway_config_builds_the_dockerfile_and_runs_the_same_start_command(service):
    config = railway(service)
    assert config["$schema"] == "https://railway.com/railway.schema.json"
    assert config["build"]["builder"] == "DOCKERFILE"
    assert (REPO_ROOT / config["build"]["dockerfilePath"]).is_file()
    assert f"deploy/railway/{service}.json" in config["build"]["watchPatterns"]
    deploy = config["deploy"]
    match = RAILWAY_START.match(deploy["startCommand"])
    assert match, deploy["startCommand"]
    assert match["start"] == render_service(service)["startCommand"]
    assert deploy["healthcheckPath"] == READINESS_PATHS[service]
    assert deploy["restartPolicyType"] == "ON_FAILURE"
    graceful = int(dotenv_values(CONFIG_DIR / "common.env")["SERVER_GRACEFUL_TIMEOUT"])
    assert isinstance(deploy["drainingSeconds"], int) and deploy["drainingSeconds"] > graceful
    if service == "django_core":
        assert deploy["preDeployCommand"] == [BOOTSTRAP]
    else:
        assert "preDeployCommand" not in deploy


def test_railway_has_one_config_file_per_service():
    assert sorted(p.stem for p in RAILWAY.glob("*.json")) == sorted(SERVICES)


def platform_argv(platform: str, service: str) -> list[str]:
    if platform == "render":  # in a shell
        return ["/bin/sh", "-c", render_service(service)["startCommand"]]
    return shlex.split(railway(service)["deploy"]["startCommand"])  # as an argv, no shell around it


# Railway's commands differ from Render's only by their /bin/sh -c (checked above): run one of them.
@pytest.mark.parametrize(("platform", "service"), [("render", s) for s in SERVICES] + [("railway", "flask_regime")])
def test_start_command_listens_on_the_platforms_port_and_stops_on_sigterm(platform, service, server_processes):
    """The PaaS start command, run as the platform runs it, with PORT set and no <SERVICE>_PORT."""
    port = free_port()
    env = production_env(service, port) | {"PORT": str(port)}
    del env[f"{service.upper()}_PORT"]  # the platform sets PORT only
    server = server_processes.start(service, platform_argv(platform, service), env)

    def live() -> bool:
        assert server.poll() is None, server_processes.log_path(service).read_text()
        try:
            return http_client.get(f"http://127.0.0.1:{port}{LIVENESS_PATH}", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(live, 60, f"{service} on PORT={port}")
    assert psutil.Process(server.pid).name() != "sh", "a shell stands between the platform and the server"
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)
    assert port_is_free(port)
