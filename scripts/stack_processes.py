"""What starting the stack's processes needs, in one place: ports, waiting, child environments,
Procfiles, and where a profile's private data lives.

Used by the runner (scripts/dev.py), scripts/ports.py, scripts/local_db.py, the bench
(scripts/benchmarks/) and the tests (tests/stack.py, tests/processes.py). Signalling process groups
is scripts/process_groups.py's job.

Standard library only at import time: the runner imports it before the virtual environment exists.
What needs a package (honcho's Procfile parser, python-dotenv, psutil, the config code) is
imported by the function that needs it.
"""

from __future__ import annotations

import errno
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
# The variables no committed config file sets that still change what a service does.
ALWAYS_SCRUBBED = frozenset({"APP_ENV", "PORT", "DJANGO_SETTINGS_MODULE"})
# The private database servers of a stack, by the names its Procfiles give them.
DATABASES = ("mysql", "mongo")
# A file that names it gets one line per server or stack started (starts_record): the test run counts them.
STARTS_RECORD = "AETHERION_STARTS_RECORD"


# --- ports ------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the kernel's pick); it may be taken again before it is used."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_holder(host: str, port: int) -> str | None:
    """None when ``port`` can be bound on ``host``; else who holds it, as well as can be told."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
        else:
            return None
    return _listener(port) or "another process"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    return port_holder(host, port) is None


def _listener(port: int) -> str | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                name = " ".join(psutil.Process(conn.pid).cmdline()[:3]) or psutil.Process(conn.pid).name()
            except psutil.Error:
                name = "?"
            return f"pid {conn.pid} ({name})"
    return None


# --- waiting ----------------------------------------------------------------------------------


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.2,
    error: type[Exception] = TimeoutError,
) -> float:
    """Poll ``predicate`` until true; the seconds it took. Past ``timeout``, raise ``error`` naming ``what``."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise error(f"{what}: not within {timeout:g} s")
        time.sleep(interval)


# --- child environments -----------------------------------------------------------------------


def child_env(venv_bin: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this environment) with ``venv_bin`` first on PATH (the Procfiles say
    `python`) and output unbuffered, so honcho interleaves the logs as they come."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def service_variables() -> set[str]:
    """Every variable the committed config files set, and the few others that change a service."""
    from dotenv import dotenv_values

    names = set(ALWAYS_SCRUBBED)
    for path in CONFIG_DIR.glob("*.env"):
        names.update(dotenv_values(path))
    return names


def scrubbed_env(venv_bin: Path | None = None) -> dict[str, str]:
    """This environment without anything that would change a service's config (the variables of
    config/*.env and every APP_*), as child_env makes it."""
    scrubbed = service_variables()
    kept = {k: v for k, v in os.environ.items() if k not in scrubbed and not k.startswith("APP_")}
    return child_env(venv_bin or Path(sys.executable).parent, kept)


def run_module(
    module: str, env: Mapping[str, str], timeout: float, *args: str, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` with this Python from ``cwd`` (the checkout: its copy of the module runs), its
    output captured as text (never raises on a failed exit: the caller reads ``returncode``)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def starts_record(what: str) -> None:
    """Append ``what`` (a server or stack just started) to the file STARTS_RECORD names, if one does."""
    path = os.environ.get(STARTS_RECORD)
    if path:
        with open(path, "a", encoding="utf-8") as record:  # one short line per write: appends do not interleave
            record.write(what.replace("\n", " ") + "\n")


# --- Procfiles --------------------------------------------------------------------------------


def procfile_read(path: Path) -> dict[str, str]:
    """Each process of the Procfile at ``path`` and its command, in order, as honcho reads them."""
    from honcho.environ import parse_procfile  # type: ignore[import-untyped]  # honcho 2.0.0 ships no types

    return dict(parse_procfile(path.read_text()).processes)


def procfile_write(path: Path, lines: Mapping[str, str]) -> Path:
    """Write a Procfile of ``lines`` (process name: command) at ``path``; ``path``."""
    path.write_text("".join(f"{name}: {command}\n" for name, command in lines.items()))
    return path


def command_split(command: str, python: str = sys.executable) -> tuple[dict[str, str], list[str]]:
    """A Procfile command as (its leading VAR=value assignments, argv with ``python`` for `python`)."""
    words = shlex.split(command)
    assignments = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        key, _, value = words.pop(0).partition("=")
        assignments[key] = value
    return assignments, [python if word == "python" else word for word in words]


# --- private data -----------------------------------------------------------------------------


def profile_dir(profile: str) -> Path:
    """Where a profile's local state lives: ``.var/<profile>/`` (``APP_VAR_DIR`` moves ``.var``)."""
    from apps.common.config import var_dir

    return var_dir() / profile


def private_data_remove(profile: str, ports: Mapping[str, int]) -> None:
    """Delete the throw-away data of the private database servers on ``ports`` (by DATABASES name)."""
    from scripts.private_db.servers import server_files_remove

    for name in DATABASES:
        server_files_remove(profile_dir(profile), name, ports[name])
