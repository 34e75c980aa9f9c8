"""The platform's tasks, with Python alone: what each `make <target>` does, on any operating system.

    python -m scripts.dev <task> [arguments for the task's command]
    python -m scripts.dev --dry-run <task>     print the commands, run nothing
    aetherion-dev <task>                       the same, installed in the virtual environment
    py -m scripts.dev <task>                   the same on Windows (PowerShell)

Needs only Python 3.11+ until `setup` has made the virtual environment (.venv); every command
after that runs with its Python. A task first runs the tasks it depends on, once each, as make
would; `setup` is skipped while .venv/.installed is newer than requirements/*.txt and
pyproject.toml. Arguments after the task go to its command (`test -k health`, `bench --quick`).
The Makefile calls this runner for every target, so the two cannot drift.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

if not __package__:  # run as a file by a Python without the project installed (before setup)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import process_groups, stack_processes  # noqa: E402
from scripts.dev_tasks import TASKS, Layout, Step, TaskError, command, setup_reason  # noqa: E402


def plan(task_name: str, layout: Layout) -> list[str]:
    """The tasks to run for ``task_name``, each once, prerequisites first (as make orders them)."""
    order: list[str] = []

    def visit(name: str) -> None:
        for need in TASKS[name].needs:
            visit(need)
        if name not in order:
            order.append(name)

    visit(task_name)
    return order


def shown(step: Step, layout: Layout) -> str:
    """A command as a person would type it in the checkout: paths inside it relative."""
    words = [layout.shown(Path(word)) if os.path.isabs(word) else word for word in step.argv]
    if step.program_shown:
        words[0] = step.program_shown
    return subprocess.list2cmdline(words) if layout.platform == process_groups.WINDOWS else shlex.join(words)


def say(message: str) -> None:
    print(f"dev: {message}", file=sys.stderr, flush=True)


def run_steps(task: str, steps: list[Step], layout: Layout, dry_run: bool) -> int:
    for step in steps:
        text = shown(step, layout)
        if dry_run:
            print(text, flush=True)
            continue
        say(f"{task}: {text}")
        # The virtual environment's programs first (the Procfiles say `python`), output unbuffered.
        env = stack_processes.child_env(layout.venv_bin)
        if step.foreground:
            code = process_groups.run_in_foreground(step.argv, platform=layout.platform, cwd=layout.root, env=env)
        else:
            code = subprocess.run(step.argv, check=False, cwd=layout.root, env=env).returncode
        if code != 0 and step.advisory:
            say(f"{task}: going on without it (see the line above)")
        elif code != 0:
            say(f"{task}: `{text}` failed (exit {code})")
            return code
    return 0


def clean(layout: Layout, dry_run: bool) -> int:
    """Stop the private servers (when there is a virtual environment to do it with), remove .var and .venv."""
    if layout.python.exists():
        code = run_steps("clean", command("scripts.local_db", "stop")(layout, []), layout, dry_run)
        if code != 0:
            return code
    for path in (layout.root / ".var", layout.venv):
        if dry_run:
            print(f"remove {layout.shown(path)}")
        elif path.exists():
            say(f"clean: removing {layout.shown(path)}")
            shutil.rmtree(path)
    return 0


def run_task(task_name: str, args: list[str], layout: Layout, dry_run: bool = False) -> int:
    """Run ``task_name`` after the tasks it needs; the exit code of the first command that failed, else 0."""
    if args and not TASKS[task_name].takes_args:
        raise TaskError(f"{task_name} takes no arguments (got {' '.join(args)})")
    if task_name == "clean":
        return clean(layout, dry_run)
    for name in plan(task_name, layout):
        if name == "setup":
            reason = setup_reason(layout)
            if reason is None:
                if task_name == "setup":
                    say("setup: up to date (nothing changed since the last setup)")
                continue
            say(f"setup: {reason}")
        task = TASKS[name]
        code = run_steps(name, task.steps(layout, args if name == task_name else []), layout, dry_run)
        if code != 0 and name in TASKS[task_name].soft_needs:
            say(f"{task_name}: going on without what {name} could not do (see above)")
        elif code != 0:
            return code
        if name == "setup" and not dry_run:
            layout.stamp.touch()
    return 0


def task_list() -> str:
    width = max(len(name) for name in TASKS) + 2
    return "\n".join(f"  {name:<{width}}{task.help}" for name, task in TASKS.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.dev",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"tasks:\n{task_list()}",
    )
    parser.add_argument("-n", "--dry-run", action="store_true", help="print the commands the task would run")
    parser.add_argument("task", choices=[*TASKS, "help"], metavar="task", help="one of the tasks below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed on to the task's command")
    options = parser.parse_args(argv)
    if options.task == "help":
        print(task_list())
        return 0
    try:
        return run_task(options.task, options.args, Layout(), options.dry_run)
    except TaskError as exc:
        say(str(exc))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
