"""The README's two commands, as make would run them (dry run: nothing is executed)."""

import subprocess

from apps.common.config import REPO_ROOT


def dry_run(target: str, *variables: str) -> list[str]:
    """The commands make would run: those of the venv, honcho and the system Python.

    Under ``make test`` this make is a nested one, which adds "Entering/Leaving directory" lines.
    """
    result = subprocess.run(["make", "-n", target, *variables], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr  # e.g. a target defined twice
    return [line for line in result.stdout.splitlines() if line.startswith((".venv/", "honcho", "python3 "))]


def test_make_run_sets_up_then_starts_the_stack_in_order():
    assert dry_run("run") == [
        ".venv/bin/python -m apps.common.config check",
        ".venv/bin/python -m scripts.local_db ensure",
        ".venv/bin/python -m scripts.bootstrap_db",
        ".venv/bin/python -m scripts.ports",
        "honcho start",
    ]


def test_make_test_prepares_the_database_programs_then_runs_pytest():
    assert dry_run("test") == [".venv/bin/python -m scripts.local_db prepare", ".venv/bin/python -m pytest"]


def test_make_bench_passes_its_arguments_through():
    assert dry_run("bench", "BENCH_ARGS=--quick --json out.json")[-3:] == [
        "python3 -m scripts.system_packages bench",
        ".venv/bin/python -m scripts.local_db prepare",
        ".venv/bin/python -m scripts.bench --quick --json out.json",
    ]
