"""The runner's tasks (scripts/dev.py runs them): the checkout's layout, each task's commands, and the
table of tasks behind the Makefile's targets. Standard library only, like the runner: it runs before
the virtual environment exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts import process_groups
from scripts.stack_processes import REPO_ROOT

# The test layers `test-fast` leaves out (markers registered in pyproject.toml, set in tests/conftest.py).
SLOW_MARKERS = ("e2e", "fuzz", "bench", "browser")
# pytest-xdist: a worker per core and one more, since the tests spend about a third of their time waiting on
# processes and sockets (docs/testing.md); the tests of the separate stack run on one worker (tests/conftest.py).
PARALLEL = ("-n", str((os.cpu_count() or 1) + 1))


class TaskError(Exception):
    """A task that cannot run as asked; the message says why."""


@dataclass(frozen=True)
class Layout:
    """Where the runner finds things, for one checkout on one platform."""

    root: Path = REPO_ROOT
    platform: str = sys.platform

    @property
    def venv(self) -> Path:
        return self.root / ".venv"

    @property
    def venv_bin(self) -> Path:
        return self.venv / ("Scripts" if self.platform == process_groups.WINDOWS else "bin")

    @property
    def python(self) -> Path:
        return self.venv_bin / ("python.exe" if self.platform == process_groups.WINDOWS else "python")

    def tool(self, name: str) -> Path:
        """A command the requirements install into the virtual environment (honcho, ...)."""
        return self.venv_bin / (f"{name}.exe" if self.platform == process_groups.WINDOWS else name)

    @property
    def stamp(self) -> Path:
        return self.venv / ".installed"

    def setup_inputs(self) -> list[Path]:
        """The files whose change makes `setup` run again."""
        return sorted((self.root / "requirements").glob("*.txt")) + [
            self.root / name for name in ("pyproject.toml", "package.json", "package-lock.json")
        ]

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class Step:
    """One command of a task. ``foreground``: the task's long-running last command (a Ctrl-C stops it)."""

    argv: tuple[str, ...]
    foreground: bool = False
    # A platform step whose failure is reported, then the task goes on (what it lacks, it says in one line).
    advisory: bool = False
    # How the program is shown in a dry run, when not by its path (the Python running this runner).
    program_shown: str | None = None


@dataclass
class Task:
    name: str
    help: str
    needs: tuple[str, ...] = ()
    steps: Callable[[Layout, list[str]], list[Step]] = field(default=lambda layout, args: [])
    takes_args: bool = False
    # Needs whose failure is reported, then the task goes on (the stack starts without a database
    # that cannot be provided, says so on /health, and recovers once it is there).
    soft_needs: tuple[str, ...] = ()


def venv_python(layout: Layout, *args: str, foreground: bool = False, advisory: bool = False) -> Step:
    return Step((str(layout.python), *args), foreground=foreground, advisory=advisory)


def system_python(*args: str, foreground: bool = False, advisory: bool = False) -> Step:
    # The interpreter running this runner: the only one there is before setup.
    return Step((sys.executable, *args), foreground=foreground, advisory=advisory, program_shown="python")


def setup_reason(layout: Layout) -> str | None:
    """Why `setup` must run, or None when the virtual environment is up to date."""
    if not layout.python.exists():
        return f"no {layout.shown(layout.python)}"
    if not layout.stamp.exists():
        return f"no {layout.shown(layout.stamp)}"
    stamp_time = layout.stamp.stat().st_mtime
    newer = [layout.shown(path) for path in layout.setup_inputs() if path.stat().st_mtime > stamp_time]
    return f"{', '.join(newer)} changed" if newer else None


def setup_steps(layout: Layout, args: list[str]) -> list[Step]:
    pip = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    npm = shutil.which("npm") or ("npm.cmd" if layout.platform == process_groups.WINDOWS else "npm")
    return [
        # mysqlclient's build needs, Debian's chromium for the browser tests, npm for the dashboard's chart library.
        system_python("-m", "scripts.system_packages", "build", "browser", "assets", advisory=True),
        system_python("-m", "venv", str(layout.venv)),
        # Every version, transitive ones too, with its hashes (scripts/requirements_lock.py compiles it).
        venv_python(layout, *pip, "--require-hashes", "-r", str(layout.root / "requirements" / "lock.txt")),
        # The project itself, editable: `apps` and `scripts` import from anywhere; it adds no dependency.
        venv_python(layout, *pip, "--no-deps", "--editable", str(layout.root)),
        # The dashboard's front-end packages, exactly as package-lock.json pins them; Django serves them from there.
        Step(
            (npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"),
            program_shown="npm",
            advisory=True,
        ),
    ]


def pytest_steps(markers: str | None) -> Callable[[Layout, list[str]], list[Step]]:
    def steps(layout: Layout, args: list[str]) -> list[Step]:
        select = ["-m", markers] if markers else []
        # Where a private server cannot be provided, prepare says what to install; the tests that need it then fail.
        return [
            venv_python(layout, "-m", "scripts.local_db", "prepare", advisory=True),
            venv_python(layout, "-m", "pytest", *PARALLEL, *select, *args, foreground=True),
        ]

    return steps


def lint_steps(layout: Layout, args: list[str]) -> list[Step]:
    """The checks CI runs before the tests (pyproject.toml configures ruff and mypy)."""
    return [
        Step((str(layout.tool("ruff")), "check", str(layout.root))),
        Step((str(layout.tool("ruff")), "format", "--check", str(layout.root))),
        Step((str(layout.tool("mypy")), "--config-file", str(layout.root / "pyproject.toml"))),
        venv_python(layout, "-m", "scripts.requirements_lock", "check"),
    ]


def export_steps(layout: Layout, args: list[str]) -> list[Step]:
    """`honcho export` of deploy/Procfile.prod as systemd units and a supervisord config."""
    parser = argparse.ArgumentParser(prog="python -m scripts.dev export", description=export_steps.__doc__)
    parser.add_argument(
        "--dir",
        default=os.environ.get("EXPORT_DIR", ".var/export"),
        help="where to write (default .var/export; make: EXPORT_DIR)",
    )
    parser.add_argument(
        "--app",
        default=os.environ.get("EXPORT_APP", "aetherion"),
        help="application name (default aetherion; make: EXPORT_APP)",
    )
    parser.add_argument(
        "--user",
        default=os.environ.get("EXPORT_USER"),
        help="user the services run as (default: the app name; make: EXPORT_USER)",
    )
    parser.add_argument(
        "--root",
        default=os.environ.get("EXPORT_ROOT", str(layout.root)),
        help="the checkout the server runs from (default: this one; make: EXPORT_ROOT)",
    )
    options = parser.parse_args(args)
    out = layout.root / options.dir  # an absolute --dir stays as it is
    templates = layout.root / "deploy" / "export"
    common = (
        str(layout.tool("honcho")),
        "export",
        "-f",
        str(layout.root / "deploy" / "Procfile.prod"),
        "-d",
        options.root,
        "-e",
        os.devnull,
        "-a",
        options.app,
        "-u",
        options.user or options.app,
    )
    return [
        Step((*common, "-t", str(templates / "systemd"), "systemd", str(out / "systemd"))),
        Step(
            (
                *common,
                "-t",
                str(templates / "supervisord"),
                "-l",
                f"/var/log/{options.app}",
                "supervisord",
                str(out / "supervisord"),
            )
        ),
    ]


def command(module: str, *fixed: str, foreground: bool = False) -> Callable[[Layout, list[str]], list[Step]]:
    """A task that runs one module of the virtual environment, passing the task's arguments on."""
    return lambda layout, args: [venv_python(layout, "-m", module, *fixed, *args, foreground=foreground)]


# One task per line or two, as a table reads (ruff format would give each Task a block of its own).
# fmt: off
TASKS = {task.name: task for task in [
    Task("setup", "system packages, virtual environment, requirements, the project (editable)", steps=setup_steps),
    Task("run", "start the dev stack: Django :8000, FastAPI :8001, Flask :8002",
         needs=("setup", "config", "databases", "bootstrap"), soft_needs=("databases", "bootstrap"),
         steps=lambda layout, args: [venv_python(layout, "-m", "scripts.ports"),
                                     Step((str(layout.tool("honcho")), "start"), foreground=True)]),
    Task("test", "run every test against real MySQL and MongoDB servers", needs=("setup",),
         steps=pytest_steps(None), takes_args=True),
    Task("lint", "ruff check, ruff format --check, mypy, and requirements/lock.txt matches the requirements",
         needs=("setup",), steps=lint_steps),
    Task("test-fast", "the unit and integration tests (no end-to-end, fuzz, bench or browser tests)",
         needs=("setup",), steps=pytest_steps(" and ".join(f"not {m}" for m in SLOW_MARKERS)), takes_args=True),
    Task("config", "validate every service's configuration (`python -m scripts.config show` prints it)",
         needs=("setup",), steps=command("scripts.config", "check")),
    Task("doctor", "pre-flight checks: Python, requirements, config, ports, MySQL, MongoDB, Flask",
         needs=("setup",), steps=command("scripts.doctor"), takes_args=True),
    Task("databases", "make MySQL and MongoDB answer (private servers under .var/ if needed)",
         needs=("setup",), steps=command("scripts.local_db", "ensure")),
    Task("bootstrap", "create the MySQL database, migrate, create MongoDB indexes",
         needs=("setup",), steps=command("scripts.bootstrap_db")),
    Task("smoke", "check a running stack's health endpoints and /check-regime",
         needs=("setup",), steps=command("scripts.smoke"), takes_args=True),
    Task("demo", "load real sample prices into the running dev stack and record their regimes",
         needs=("setup",), steps=command("scripts.load_sample_data"), takes_args=True),
    Task("bench", "measure every figure beside its ceiling, own servers on free ports (bench --json out.json)",
         needs=("setup",), takes_args=True,
         steps=lambda layout, args: [system_python("-m", "scripts.system_packages", "bench"),
                                     venv_python(layout, "-m", "scripts.local_db", "prepare"),
                                     venv_python(layout, "-m", "scripts.bench", *args, foreground=True)]),
    Task("export", "write systemd units and a supervisord config for deploy/Procfile.prod into .var/export/",
         needs=("setup",), steps=export_steps, takes_args=True),
    Task("stop-databases", "stop the private database servers `run` started",
         needs=("setup",), steps=command("scripts.local_db", "stop")),
    Task("clean", "stop private servers, remove .var/ and the virtual environment"),
]}
# fmt: on
