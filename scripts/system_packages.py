"""Install the Debian/Ubuntu packages the platform needs, when they are missing.

Runs before the virtual environment exists, so it uses the standard library only. As root on a
Debian-like system it runs apt-get; otherwise it prints the exact command and fails.

    python3 -m scripts.system_packages [build|assets|browser|mariadb|postgresql|bench ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# What each need requires: a test that says whether it is met, and the packages that meet it.
NEEDS = {
    # mysqlclient compiles against libmysqlclient and finds it with pkg-config.
    "build": (
        lambda: shutil.which("pkg-config") is not None
        and subprocess.run(["pkg-config", "--exists", "mysqlclient"], check=False).returncode == 0,
        ["default-libmysqlclient-dev", "pkg-config", "build-essential"],
    ),
    # The private MySQL server of the embedded default.
    "mariadb": (
        lambda: find_mysqld() is not None,
        ["mariadb-server"],
    ),
    # The private PostgreSQL cluster under FerretDB, the embedded MongoDB (when there is no mongod).
    "postgresql": (
        lambda: find_postgres_program("postgres") is not None,
        ["postgresql"],
    ),
    # npm installs the dashboard's pinned front-end packages (package-lock.json) into node_modules/.
    "assets": (
        lambda: shutil.which("npm") is not None,
        ["npm"],
    ),
    # The browser the browser tests drive (tests/browser/, Playwright with executable_path).
    "browser": (
        lambda: shutil.which("chromium") is not None,
        ["chromium"],
    ),
    # The HTTP load generator of scripts/bench.py (a separate process, written in C).
    "bench": (
        lambda: shutil.which("wrk") is not None,
        ["wrk"],
    ),
}


class PackagesError(Exception):
    """A need that cannot be met here; the message says what to run."""


def find_mysqld() -> str | None:
    """mariadbd or mysqld from PATH, or from /usr/sbin where Debian puts them."""
    for name in ("mariadbd", "mysqld"):
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def find_postgres_program(name: str) -> str | None:
    """``postgres``, ``initdb``… from PATH, else from Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))
    for directory in reversed(versions):
        if (directory / name).is_file():
            return str(directory / name)
    return None


def ensure(needs: list[str]) -> list[str]:
    """Install what ``needs`` lack; return the packages installed (empty when all were there)."""
    missing = [pkg for need in needs if not NEEDS[need][0]() for pkg in NEEDS[need][1]]
    if not missing:
        return []
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PackagesError(f"missing system packages; run: sudo apt-get update && sudo {' '.join(command)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"installing system packages: {' '.join(missing)}", file=sys.stderr)
    for step in (["apt-get", "update", "-qq"], [*command, "-qq"]):
        result = subprocess.run(step, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise PackagesError(f"{' '.join(step)} failed: {last}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m scripts.system_packages", description=__doc__)
    parser.add_argument("needs", nargs="*", choices=sorted(NEEDS), default=["build"])
    args = parser.parse_args(argv)
    try:
        installed = ensure(args.needs)
    except PackagesError as exc:
        print(f"system packages: {exc}", file=sys.stderr)
        return 1
    print(f"system packages: {'installed ' + ' '.join(installed) if installed else 'all present'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
