"""scripts/dev.py, the runner: every task without make or bash, its plan, setup's up-to-date check, clean.

The commands run here get a PATH that holds the virtual environment's programs and nothing else:
no make, no bash, no apt-get.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.common.config import REPO_ROOT
from scripts import dev
from scripts.dev import TASKS, Layout, Step, TaskError, plan, run_steps, run_task, setup_reason
from scripts.stack_processes import run_module
from tests.stack import VENV_BIN, clean_env

DOWN = "http://127.0.0.1:1"
HERE = Layout()
VENV_PYTHON = HERE.shown(HERE.python)  # .venv/bin/python, or .venv/Scripts/python.exe on Windows


@pytest.fixture(scope="module")
def bare_env() -> dict[str, str]:
    """The test environment with PATH = the virtual environment's bin directory alone."""
    env = clean_env(PATH=str(VENV_BIN))
    for program in ("make", "bash", "sh", "apt-get"):
        assert shutil.which(program, path=env["PATH"]) is None, program
    return env


def runner(*args: str, env: dict[str, str], cwd: Path = REPO_ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    return run_module("scripts.dev", env, timeout, *args, cwd=cwd)


def test_help_lists_every_task(bare_env):
    result = runner("help", env=bare_env)
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(TASKS)


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_plans_commands_that_exist_here(task, bare_env):
    result = runner("--dry-run", task, env=bare_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if task == "setup" and not lines:
        assert result.stderr == "dev: setup: up to date (nothing changed since the last setup)\n"
    assert lines or task == "setup", f"{task} would run nothing"
    for line in lines:
        if line.startswith("remove "):  # what clean removes is the project's own state, there or not yet
            assert line.split()[1] in {".var", ".venv"}, line
            continue
        program = line.split()[0]
        assert program == "python" or (REPO_ROOT / program).exists(), line


def test_config_runs_without_make_or_bash(bare_env):
    result = runner("config", env=bare_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["django_core: ok", "fastapi_market: ok", "flask_regime: ok"]
    assert f"dev: config: {VENV_PYTHON} -m scripts.config check" in result.stderr


def test_export_writes_both_formats_where_asked(bare_env, tmp_path):
    result = runner("export", "--dir", str(tmp_path), "--app", "tower", env=bare_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "systemd" / "tower.target").is_file()
    assert (tmp_path / "supervisord" / "tower.conf").is_file()


def test_a_failing_command_gives_its_exit_code_and_one_line(bare_env):
    result = runner(
        "smoke", "--timeout", "1", "--django-url", DOWN, "--fastapi-url", DOWN, "--flask-url", DOWN, env=bare_env
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"dev: smoke: `{VENV_PYTHON} -m scripts.smoke --timeout 1 --django-url {DOWN} --fastapi-url {DOWN} "
        f"--flask-url {DOWN}` failed (exit 1)"
    )


def test_test_fast_runs_pytest_with_the_arguments_given(bare_env):
    # A nested pytest session, on one small module of pure logic, in one process (-n 0: no xdist workers to start).
    result = runner(
        "test-fast",
        "tests/common/test_databases.py",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        env=bare_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
    assert "not e2e and not fuzz and not bench and not browser" in result.stderr
    assert result.stderr.rstrip().endswith("tests/common/test_databases.py -q -p no:cacheprovider -n 0")


def test_bad_usage_is_one_line_and_exit_2(bare_env):
    result = runner("config", "--verbose", env=bare_env)
    assert (result.returncode, result.stderr) == (2, "dev: config takes no arguments (got --verbose)\n")
    result = runner("deploy", env=bare_env)
    assert result.returncode == 2 and "invalid choice: 'deploy'" in result.stderr


def test_run_plans_setup_config_databases_bootstrap_then_itself_each_once():
    assert plan("run", Layout()) == ["setup", "config", "databases", "bootstrap", "run"]
    assert plan("setup", Layout()) == ["setup"]
    assert plan("bench", Layout()) == ["setup", "bench"]


def fake_checkout(tmp_path: Path, platform: str = sys.platform) -> Layout:
    """A checkout's files that setup looks at, with a virtual environment's Python in place."""
    layout = Layout(tmp_path, platform)
    (tmp_path / "requirements").mkdir()
    for name in ("base.txt", "dev.txt"):
        (tmp_path / "requirements" / name).write_text("")
    for name in ("pyproject.toml", "package.json", "package-lock.json"):
        (tmp_path / name).write_text("")
    layout.python.parent.mkdir(parents=True)
    layout.python.write_text("")  # never run: setup is up to date, or the test is a dry run
    return layout


def set_mtime(path: Path, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def test_setup_runs_until_its_stamp_is_newer_than_the_requirements_pyproject_and_npm_files(tmp_path):
    layout = fake_checkout(tmp_path)
    assert setup_reason(layout) == "no .venv/.installed"
    inputs = layout.setup_inputs()
    for path in inputs:
        set_mtime(path, 60)
    layout.stamp.touch()
    assert setup_reason(layout) is None
    set_mtime(layout.stamp, 120)
    assert setup_reason(layout) == (
        "requirements/base.txt, requirements/dev.txt, pyproject.toml, package.json, package-lock.json changed"
    )
    set_mtime(layout.stamp, 30)
    (tmp_path / "requirements" / "dev.txt").touch()
    assert setup_reason(layout) == "requirements/dev.txt changed"
    layout.python.unlink()
    assert setup_reason(layout) == f"no {layout.shown(layout.python)}"


def test_setup_up_to_date_runs_nothing(tmp_path, capsys):
    layout = fake_checkout(tmp_path)
    layout.stamp.touch()
    assert run_task("setup", [], layout) == 0  # the fake Python would fail if anything ran
    assert capsys.readouterr().err == "dev: setup: up to date (nothing changed since the last setup)\n"


def test_setup_out_of_date_creates_the_venv_and_installs_the_project_editable(tmp_path, capsys):
    layout = fake_checkout(tmp_path, "linux")
    assert run_task("config", [], layout, dry_run=True) == 0
    assert capsys.readouterr().out.splitlines() == [
        "python -m scripts.system_packages build browser assets",
        "python -m venv .venv",
        ".venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/lock.txt",
        ".venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .",
        "npm ci --ignore-scripts --no-audit --no-fund --loglevel=error",
        ".venv/bin/python -m scripts.config check",
    ]
    assert not layout.stamp.exists()  # a dry run changes nothing


def test_windows_paths_and_quoting(tmp_path):
    layout = Layout(tmp_path, "win32")
    assert layout.python == tmp_path / ".venv" / "Scripts" / "python.exe"
    assert layout.tool("honcho") == tmp_path / ".venv" / "Scripts" / "honcho.exe"
    step = Step((str(layout.python), "-m", "pytest", "-m", "not e2e"))
    assert dev.shown(step, layout) == '.venv/Scripts/python.exe -m pytest -m "not e2e"'


def test_a_failing_advisory_step_is_reported_and_the_task_goes_on(tmp_path, capsys):
    marker = tmp_path / "ran"
    steps = [
        Step((sys.executable, "-c", "raise SystemExit(3)"), advisory=True),
        Step((sys.executable, "-c", f"open({str(marker)!r}, 'w').close()")),
        Step((sys.executable, "-c", "raise SystemExit(4)")),
        Step((sys.executable, "-c", f"open({str(marker)!r} + '2', 'w').close()")),
    ]
    assert run_steps("demo", steps, Layout(tmp_path), dry_run=False) == 4
    assert marker.exists() and not Path(f"{marker}2").exists()
    err = capsys.readouterr().err
    assert "dev: demo: going on without it (see the line above)" in err
    assert "failed (exit 4)" in err


def test_clean_removes_var_and_venv_and_a_dry_run_removes_nothing(tmp_path, capsys):
    layout = Layout(tmp_path)
    for path in (tmp_path / ".var" / "dev", layout.venv_bin):
        path.mkdir(parents=True)
    assert run_task("clean", [], layout, dry_run=True) == 0
    assert capsys.readouterr().out.splitlines() == ["remove .var", "remove .venv"]
    assert (tmp_path / ".var").exists() and layout.venv.exists()
    assert run_task("clean", [], layout) == 0  # no venv Python: no private server was started with it
    assert not (tmp_path / ".var").exists() and not layout.venv.exists()


def test_a_task_that_takes_no_arguments_refuses_them():
    with pytest.raises(TaskError, match="bootstrap takes no arguments"):
        run_task("bootstrap", ["--profile", "test"], Layout(), dry_run=True)


@pytest.mark.posix  # the stand-in programs are scripts with a #! line
def test_run_goes_on_when_a_database_cannot_be_provided(tmp_path, capsys):
    # Stand-ins for the venv's Python and honcho that log their arguments; local_db and
    # bootstrap_db fail, as they do where a database server cannot be had.
    layout = fake_checkout(tmp_path)
    layout.stamp.touch()
    calls = tmp_path / "calls"
    stand_in = (
        f"#!{sys.executable}\nimport sys\nopen({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "sys.exit(1 if {fail} else 0)\n"
    )
    layout.python.write_text(
        stand_in.replace("{fail}", "any(m in sys.argv for m in ('scripts.local_db', 'scripts.bootstrap_db'))")
    )
    layout.tool("honcho").write_text(stand_in.replace("{fail}", "False"))
    for program in (layout.python, layout.tool("honcho")):
        program.chmod(0o755)
    assert run_task("run", [], layout) == 0
    assert calls.read_text().splitlines() == [
        "-m scripts.config check",
        "-m scripts.local_db ensure",
        "-m scripts.bootstrap_db",
        "-m scripts.ports",
        "start",
    ]
    err = capsys.readouterr().err
    assert "dev: run: going on without what databases could not do (see above)" in err
    assert "dev: run: going on without what bootstrap could not do (see above)" in err
    assert run_task("databases", [], layout) == 1  # on its own, the task's failure is its exit code
