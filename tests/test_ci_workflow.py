""".github/workflows/ci.yml: valid against the GitHub workflow schema (offline, the schema that
check-jsonschema ships), and the jobs do what the README says they do."""

import shlex
import subprocess

import yaml

from apps.common.config import REPO_ROOT
from scripts.stack_processes import run_module
from tests.stack import VENV_BIN, clean_env

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def schema_check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def commands(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_workflow_is_valid_against_the_github_workflow_schema():
    result = schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: windows-latest", "runs_on: windows-latest"))
    result = schema_check(broken)
    assert result.returncode == 1 and "windows" in result.stdout


def test_linux_runs_the_readme_test_command_on_debian_as_root():
    linux = jobs()["linux"]
    assert linux["container"] == "debian:12"
    assert commands(linux)[-2:] == ["make lint", "make test"]  # as .ci/run runs them
    ci_run = [line for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("make ")]
    assert ci_run == ["make lint", "make test"]


def test_windows_sets_up_with_the_runner_and_runs_its_tests_and_the_unit_layer_without_make_or_bash():
    windows = jobs()["windows"]
    assert windows["runs-on"] == "windows-latest" and windows["defaults"]["run"]["shell"] == "pwsh"
    setup, tests = commands(windows)
    assert setup == "python -m scripts.dev setup"
    words = shlex.split(tests.replace("\\", "/"))
    assert words[:5] == [".venv/Scripts/python.exe", "-m", "pytest", "-m", "unit and not posix"]
    assert not any(word in ("make", "bash", "sh") for command in commands(windows) for word in command.split())
    paths = words[5:]
    assert "tests/scripts/test_dev.py" in paths and "tests/scripts/test_process_groups.py" in paths
    # The same selection here collects the runner's tests and unit tests, and nothing that needs a server.
    result = run_module("pytest", clean_env(), 120, "--collect-only", "-q", "-m", "unit and not posix", *paths)
    assert result.returncode == 0, result.stdout[-2000:]
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert len(collected) > 100
    assert any(line.startswith("tests/scripts/test_dev.py::") for line in collected)
    assert any(line.startswith("tests/scripts/test_process_groups.py::test_windows_") for line in collected)
