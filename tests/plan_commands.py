"""The Day-1 plan's "Running the Services" commands, as it writes them, and the folder each runs in."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import IO, Any

from apps.common.config import REPO_ROOT
from scripts import process_groups

MIGRATE = "python manage.py migrate"
# Each service's command; flask_regime's port is FLASK_REGIME_PORT (config/, or the environment).
SERVE = {
    "django_core": "python manage.py runserver {port}",
    "fastapi_market": "uvicorn main:app --port {port} --reload",
    "flask_regime": "python app.py",
}


def folder(service: str) -> Path:
    """Where the plan runs ``service``'s commands (`cd django_core`; here under apps/)."""
    return REPO_ROOT / "apps" / service


def plan_argv(command: str, env: dict[str, str], port: int | None = None) -> list[str]:
    """``command`` as argv, with ``port`` where the plan writes 8000 or 8001, and its program found
    on ``env``'s PATH as a shell finds it (the virtual environment's, once activated)."""
    program, *args = shlex.split(command.format(port=port))
    found = shutil.which(program, path=env["PATH"])
    assert found is not None, f"{program} is not on PATH ({env['PATH']})"
    return [found, *args]


def plan_run(service: str, command: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``service``'s folder to its end, its output captured."""
    return subprocess.run(
        plan_argv(command, env),
        cwd=folder(service),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def plan_start(service: str, env: dict[str, str], port: int, log: IO[Any]) -> subprocess.Popen[bytes]:
    """Start ``service``'s serving command in its folder, leading a process group of its own."""
    return process_groups.start(
        plan_argv(SERVE[service], env, port),
        cwd=folder(service),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
