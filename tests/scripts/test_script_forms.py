"""Every script in scripts/ runs three ways, from the repository root and from any other directory:
``python scripts/<name>.py``, ``python -m scripts.<name>`` and the installed command (``aetherion-…``).

The scripts are found, not listed: a module of scripts/ that runs ``main()`` under ``__main__``.

What a form changes is how the script starts (its ``sys.path``, ``__main__``, the entry point), not what
``main()`` then does. So every script answers ``--help`` in each form from the repository root, and runs
in each form from another directory: one real run, in the form whose turn it is (the forms take turns
over the scripts, so each form makes several), and ``--help`` in the other two.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from apps.common.config import REPO_ROOT
from tests.stack import VENV_BIN, clean_env, free_port

SCRIPTS_DIR = REPO_ROOT / "scripts"
FORMS = ("file", "module", "command")
DOWN = "http://127.0.0.1:1"  # nothing listens on port 1


def discovered_scripts() -> list[str]:
    """The modules of scripts/ that are commands (the others, like bench_apps, are imported by them)."""
    return sorted(
        path.stem
        for path in SCRIPTS_DIR.glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    )


def declared_commands() -> dict[str, str]:
    """pyproject.toml's console entry points: command name -> ``module:function``."""
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def installed_commands() -> dict[str, str]:
    """The script module -> command name, as the installed project declares them."""
    try:
        distribution = importlib.metadata.distribution("aetherion-backend")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("the project is not installed in the virtual environment: run `make setup`")
    return {
        ep.value.removeprefix("scripts.").removesuffix(":main"): ep.name
        for ep in distribution.entry_points
        if ep.group == "console_scripts"
    }


SCRIPTS = discovered_scripts()


def argv(form: str, script: str, *args: str) -> list[str]:
    if form == "file":
        return [sys.executable, str(SCRIPTS_DIR / f"{script}.py"), *args]
    if form == "module":
        return [sys.executable, "-m", f"scripts.{script}", *args]
    command = shutil.which(installed_commands()[script], path=str(VENV_BIN))
    assert command, f"{installed_commands()[script]} is not in {VENV_BIN}: run `make setup`"
    return [command, *args]


def run(form: str, script: str, *args: str, cwd: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv(form, script, *args),
        cwd=cwd,
        env=clean_env(COLUMNS="200", **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_scripts_are_found():
    assert {"bootstrap_db", "smoke", "doctor", "local_db", "dev"} <= set(SCRIPTS)


def test_every_script_has_one_console_command_and_every_command_is_a_script():
    declared = declared_commands()
    assert sorted(value.removeprefix("scripts.").removesuffix(":main") for value in declared.values()) == SCRIPTS
    assert all(name.startswith("aetherion-") for name in declared)
    assert installed_commands() == {
        value.removeprefix("scripts.").removesuffix(":main"): name for name, value in declared.items()
    }, "run `make setup` to reinstall"


# A real run would take minutes (tests/scripts/test_bench.py runs `--quick` once).
HELP_ONLY = {"bench"}
# The real runs that need a database server: the session's (the others run anywhere, beside them).
ON_THE_DATABASES = {"bootstrap_db", "doctor", "local_db"}


def taking_turns(scripts: list[str]) -> list[tuple[str, str]]:
    """Each script with the form whose turn it is."""
    return [(script, FORMS[turn % len(FORMS)]) for turn, script in enumerate(scripts)]


# Each script's real run in one form, the forms taking turns among the scripts with a database and without.
REAL_RUNS_ANYWHERE = taking_turns([s for s in SCRIPTS if s not in HELP_ONLY | ON_THE_DATABASES])
REAL_RUNS_ON_THE_DATABASES = taking_turns(sorted(ON_THE_DATABASES))
REAL_RUNS = REAL_RUNS_ANYWHERE + REAL_RUNS_ON_THE_DATABASES
# --help from the repository root in every form (`python scripts/smoke.py` failed there); from another
# directory in each form the script makes no real run in.
HELP_RUNS = [(script, form, "repository root") for script in SCRIPTS for form in FORMS] + [
    (script, form, "another directory") for script in SCRIPTS for form in FORMS if (script, form) not in REAL_RUNS
]


def test_each_script_runs_in_each_form_from_another_directory():
    for script in SCRIPTS:
        helped = {form for name, form, where in HELP_RUNS if name == script and where == "another directory"}
        real = {form for name, form in REAL_RUNS if name == script}
        assert helped | real == set(FORMS) and len(real) == (0 if script in HELP_ONLY else 1), script


def test_each_form_makes_real_runs_with_a_database_and_without():
    for runs in (REAL_RUNS_ANYWHERE, REAL_RUNS_ON_THE_DATABASES):
        assert {form for _, form in runs} == set(FORMS)


@pytest.mark.parametrize(("script", "form", "where"), HELP_RUNS)
def test_help(script, form, where, tmp_path):
    result = run(form, script, "--help", cwd=REPO_ROOT if where == "repository root" else tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: "), result.stdout
    assert result.stderr == ""


# One real run of each script, where one is cheap: (arguments, expected exit code, extra environment, what
# its output must contain). Each runs from another directory, in the form whose turn it is.
def real_run(script: str, stack_ports: dict[str, int]) -> tuple[list[str], int, dict[str, str], str]:
    runs = {
        # The stack down: the chart's instrument cannot be registered, and one line says so.
        "bench_dashboard": (["--django-url", DOWN, "--market-url", DOWN], 1, {}, "bench: ConnectError:"),
        "bootstrap_db": (["--profile", "test"], 0, {}, "Django migrations: up to date"),
        "config": (["check"], 0, {}, "flask_regime: ok"),
        "dev": (["config"], 0, {}, "fastapi_market: ok"),
        "doctor": (["--json"], 0, {}, '"ok": true'),
        # The stack down: the real sample prices are read, then one clear line says what failed.
        "load_sample_data": (
            ["--symbols", "IBM", "--no-refresh"],
            1,
            {"DJANGO_CORE_URL": DOWN, "FASTAPI_MARKET_URL": DOWN},
            "load_sample_data failed:",
        ),
        "local_db": (["status"], 0, {}, f"mysql at 127.0.0.1:{stack_ports['mysql']}: answering"),
        "ports": (
            ["--profile", "test"],
            0,
            {f"{name}_PORT": str(free_port()) for name in ("DJANGO_CORE", "FASTAPI_MARKET", "FLASK_REGIME")},
            "free",
        ),
        "requirements_lock": (["check"], 0, {}, "requirements/lock.txt matches the requirement files"),
        "screenshot": ([f"{DOWN}/", "--out", "page.png"], 1, {}, f"screenshot: {DOWN}/: Page.goto: net::"),
        "smoke": (
            ["--json", "--timeout", "1", "--django-url", DOWN, "--fastapi-url", DOWN, "--flask-url", DOWN],
            1,
            {},
            '"ok": false',
        ),
        "system_packages": (["build"], 0, {}, "system packages: all present"),
    }
    return runs[script]


def test_each_script_has_a_real_run_or_says_why_not(stack_ports):
    for script in SCRIPTS:
        if script not in HELP_ONLY:
            real_run(script, stack_ports)  # a new script needs its entry there (KeyError otherwise)


@pytest.mark.parametrize(("script", "form"), REAL_RUNS_ANYWHERE)
def test_real_run_from_another_directory(script, form, tmp_path, stack_ports):
    real_run_check(script, form, tmp_path, stack_ports)


@pytest.mark.parametrize(("script", "form"), REAL_RUNS_ON_THE_DATABASES)
def test_real_run_on_the_session_databases_from_another_directory(
    script, form, tmp_path, session_databases, stack_ports
):
    real_run_check(script, form, tmp_path, stack_ports)


def real_run_check(script: str, form: str, tmp_path: Path, stack_ports: dict[str, int]) -> None:
    args, code, env, expected = real_run(script, stack_ports)
    result = run(form, script, *args, cwd=tmp_path, **env)
    assert result.returncode == code, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    if "--json" in args:
        json.loads(result.stdout)
    assert list(tmp_path.iterdir()) == []  # it wrote nothing where it was started
