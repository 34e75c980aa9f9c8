"""`make export`: deploy/Procfile.prod as systemd units and a supervisord config (honcho export).

Run through the runner that make calls, with the variables make passes on (EXPORT_DIR, EXPORT_ROOT) in
its environment: no make needed (tests/test_makefile.py checks that `make export` calls this task).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from apps.common.config import REPO_ROOT
from scripts.stack_processes import procfile_read, run_module
from tests.stack import clean_env

PROCFILE = REPO_ROOT / "deploy" / "Procfile.prod"
APP_ROOT = "/srv/aetherion"
ENV_FILE = "/etc/aetherion/production.env"


def procfile_commands() -> dict[str, str]:
    return procfile_read(PROCFILE)


def unit_sections(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values in order]}} (keys such as Environment repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line!r} outside a section"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    result = run_module("scripts.dev", clean_env(EXPORT_DIR=str(out), EXPORT_ROOT=APP_ROOT), 120, "export")
    assert result.returncode == 0, result.stderr
    return out


def test_make_export_writes_one_unit_per_procfile_process_and_targets_tying_them(exported):
    names = sorted(p.name for p in (exported / "systemd").iterdir())
    processes = sorted(procfile_commands())
    assert names == sorted(
        ["aetherion.target"]
        + [f"aetherion-{name}.target" for name in processes]
        + [f"aetherion-{name}-1.service" for name in processes]
    )
    master = unit_sections(exported / "systemd" / "aetherion.target")
    assert master["Unit"]["Wants"] == [" ".join(f"aetherion-{name}.target" for name in processes)]
    assert master["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("process", sorted(procfile_commands()))
def test_each_systemd_unit_names_command_user_environment_file_and_restart_policy(exported, process):
    unit = unit_sections(exported / "systemd" / f"aetherion-{process}-1.service")
    service = unit["Service"]
    assert service["ExecStart"] == [f"/bin/sh -c 'exec {procfile_commands()[process]}'"]
    assert service["User"] == ["aetherion"]
    assert service["WorkingDirectory"] == [APP_ROOT]
    assert service["EnvironmentFile"] == [ENV_FILE]
    assert service["Restart"] == ["always"]
    assert "APP_ENV=production" in service["Environment"]
    assert f"PATH={APP_ROOT}/.venv/bin:/usr/local/bin:/usr/bin:/bin" in service["Environment"]
    # honcho's PORT would mean nothing to the services, which read their ports from config/.
    assert not any(value.startswith("PORT=") for value in service["Environment"])
    # SIGTERM to the server itself, and time to drain before SIGKILL (SERVER_GRACEFUL_TIMEOUT is 10).
    assert service["KillMode"] == ["mixed"] and service["TimeoutStopSec"] == ["30"]
    assert unit["Unit"]["PartOf"] == [f"aetherion-{process}.target"]


def test_systemd_analyze_verify_accepts_the_units(exported):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (Debian package systemd)")
    units = sorted(str(p) for p in (exported / "systemd").iterdir())
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units], cwd=exported / "systemd", capture_output=True, text=True, timeout=60
    )
    # verify prints unknown keys and bad values as warnings and still exits 0: both must be clean.
    assert (result.returncode, result.stderr.strip()) == (0, "")


def test_systemd_analyze_verify_would_catch_a_broken_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (Debian package systemd)")
    broken = tmp_path / "broken.service"
    broken.write_text("[Service]\nExecStart=/bin/sh -c 'exec true'\nRestart=sometimes\n")
    result = subprocess.run([analyze, "verify", "--man=no", str(broken)], capture_output=True, text=True, timeout=60)
    assert "restart specifier" in result.stderr


def test_supervisord_config_runs_each_process_with_env_file_user_term_and_restart(exported):
    config = configparser.ConfigParser(interpolation=None)
    config.read(exported / "supervisord" / "aetherion.conf")
    processes = sorted(procfile_commands())
    assert config["group:aetherion"]["programs"] == ",".join(f"{name}-1" for name in processes)
    for name, command in procfile_commands().items():
        program = config[f"program:{name}-1"]
        assert program["command"] == f"/bin/sh -c 'set -a; . {ENV_FILE}; set +a; exec {command}'"
        assert program["user"] == "aetherion"
        assert program["directory"] == APP_ROOT
        assert program["autorestart"] == "true"
        assert program["stopsignal"] == "TERM"  # gunicorn and uvicorn drain on TERM; QUIT would not
        assert 'APP_ENV="production"' in program["environment"]
        assert program["stdout_logfile"] == f"/var/log/aetherion/{name}-1.log"


def test_environment_file_example_gives_every_value_the_production_profile_requires(monkeypatch):
    from dotenv import dotenv_values

    from apps.common.config import SERVICES
    from scripts.config import inspect
    from tests.deploy.manifests import with_real_secrets

    values = dotenv_values(REPO_ROOT / "deploy" / "production.env.example")
    assert all(value for value in values.values()), values
    for name, value in values.items():  # as committed: every secret a placeholder, refused
        monkeypatch.setenv(name, value)
    refused = {p.split(":")[0] for service in SERVICES for p in inspect(service, "production").problems()}
    assert refused == {"DJANGO_SECRET_KEY", "DJANGO_CORE_TOKEN", "FASTAPI_MARKET_TOKEN", "ACCEPTED_TOKENS"}
    for name, value in with_real_secrets(values).items():  # the CHANGE-ME values replaced
        monkeypatch.setenv(name, value)
    assert {service: inspect(service, "production").problems() for service in SERVICES} == {
        service: [] for service in SERVICES
    }
