"""The README's two commands: make calls the runner, and the runner's plan is what they do (dry runs:
nothing is executed)."""

import re
import subprocess

from apps.common.config import REPO_ROOT
from scripts.dev_tasks import PARALLEL, TASKS, Layout, setup_reason, setup_steps
from scripts.stack_processes import run_module
from tests.stack import clean_env


def make_dry_run(target: str, *variables: str) -> list[str]:
    """The commands make would run (under ``make test`` this make is a nested one: its
    "Entering/Leaving directory" lines are left out)."""
    result = subprocess.run(
        ["make", "-n", target, *variables], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr  # e.g. a target defined twice
    return [line for line in result.stdout.splitlines() if not line.startswith("make")]


def runner_dry_run(task: str, *args: str) -> list[str]:
    """The commands ``python -m scripts.dev --dry-run <task>`` lists after setup (up to date here)."""
    result = run_module("scripts.dev", clean_env(), 30, "--dry-run", task, *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if setup_reason(Layout()) is not None:  # setup's own commands come first while it is out of date
        lines = lines[len(setup_steps(Layout(), [])) :]
    return lines


def test_every_make_target_is_one_runner_task_and_nothing_else():
    targets = re.findall(r"^TASKS := (.+)$", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
    assert sorted(targets[0].split()) == sorted(TASKS)
    for task in TASKS:
        assert make_dry_run(task) == [f"python3 -m scripts.dev {task}"]


def test_make_run_sets_up_then_starts_the_stack_in_order():
    assert make_dry_run("run") == ["python3 -m scripts.dev run"]
    assert runner_dry_run("run") == [
        ".venv/bin/python -m scripts.config check",
        ".venv/bin/python -m scripts.local_db ensure",
        ".venv/bin/python -m scripts.bootstrap_db",
        ".venv/bin/python -m scripts.ports",
        ".venv/bin/honcho start",
    ]


def test_make_test_prepares_the_database_programs_then_runs_pytest():
    assert make_dry_run("test") == ["python3 -m scripts.dev test"]
    assert runner_dry_run("test") == [
        ".venv/bin/python -m scripts.local_db prepare",
        f".venv/bin/python -m pytest {' '.join(PARALLEL)}",
    ]


def test_make_test_fast_leaves_out_the_slow_layers():
    assert runner_dry_run("test-fast")[-1] == (
        f".venv/bin/python -m pytest {' '.join(PARALLEL)} -m 'not e2e and not fuzz and not bench and not browser'"
    )


def test_make_bench_passes_its_arguments_through():
    assert make_dry_run("bench", "BENCH_ARGS=--quick --json out.json") == [
        "python3 -m scripts.dev bench --quick --json out.json"
    ]
    assert runner_dry_run("bench", "--quick", "--json", "out.json") == [
        "python -m scripts.system_packages bench",
        ".venv/bin/python -m scripts.local_db prepare",
        ".venv/bin/python -m scripts.bench --quick --json out.json",
    ]


def test_make_passes_args_to_the_task():
    assert make_dry_run("test", "ARGS=-k health -q") == ["python3 -m scripts.dev test -k health -q"]
