"""Install the system packages the platform needs, where that can happen, when they are missing.

Runs before the virtual environment exists, so it uses the standard library only. On
Debian/Ubuntu as root it runs apt-get; on Debian/Ubuntu otherwise it prints the exact apt-get
command; on any other system (Windows, macOS, another Linux) it says in one line what to
install, or which variable to set in which file. It exits 1 when a need is still unmet.

    python3 -m scripts.system_packages [build|assets|browser|mariadb|postgresql|bench ...]
"""

from __future__ import annotations

import argparse
import os
import platform as platform_module
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class System:
    """What decides how a package gets installed here."""

    platform: str  # as sys.platform spells it: linux, win32, darwin
    os_ids: frozenset[str] = frozenset()  # /etc/os-release ID and ID_LIKE on Linux: debian, ubuntu, fedora...
    is_root: bool = False
    has_apt: bool = False

    @classmethod
    def here(cls) -> System:
        os_ids: set[str] = set()
        if sys.platform == "linux":
            try:
                release = platform_module.freedesktop_os_release()
            except OSError:
                release = {}
            os_ids = {release.get("ID", ""), *release.get("ID_LIKE", "").split()} - {""}
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        return cls(sys.platform, frozenset(os_ids), is_root, shutil.which("apt-get") is not None)

    @property
    def debian_like(self) -> bool:
        return self.platform == "linux" and bool({"debian", "ubuntu"} & self.os_ids)


@dataclass(frozen=True)
class Need:
    """Something the platform needs from the system: a test that it is met, the Debian packages that
    meet it, and what to do elsewhere (one line)."""

    met: Callable[[System], bool]
    debian_packages: list[str]
    elsewhere: str


def mysqlclient_builds(system: System) -> bool:
    if system.platform == "win32":
        return True  # mysqlclient ships Windows wheels: nothing to compile
    if os.environ.get("MYSQLCLIENT_CFLAGS") and os.environ.get("MYSQLCLIENT_LDFLAGS"):
        return True  # mysqlclient's own way to name the library without pkg-config
    return (
        shutil.which("pkg-config") is not None
        and subprocess.run(["pkg-config", "--exists", "mysqlclient"], check=False).returncode == 0
    )


NEEDS = {
    # mysqlclient compiles against libmysqlclient and finds it with pkg-config.
    "build": Need(
        mysqlclient_builds,
        ["default-libmysqlclient-dev", "pkg-config", "build-essential"],
        "the MySQL client library, pkg-config and a C compiler for mysqlclient "
        "(macOS: brew install mysql-client pkg-config; Fedora: dnf install mariadb-connector-c-devel pkgconf gcc)",
    ),
    # The private MySQL server of the embedded default.
    "mariadb": Need(
        lambda system: find_mysqld() is not None,
        ["mariadb-server"],
        "a MariaDB or MySQL server (Windows: winget install MariaDB.Server; macOS: brew install mariadb), "
        "or set MYSQL_URL in config/django_core.local.env to a server you have",
    ),
    # The private PostgreSQL cluster under FerretDB, the embedded MongoDB (when there is no mongod).
    "postgresql": Need(
        lambda system: find_postgres_program("postgres") is not None,
        ["postgresql"],
        "a MongoDB server, or PostgreSQL for the private FerretDB (Windows: winget install MongoDB.Server; "
        "macOS: brew install postgresql), or set MONGO_URL in config/fastapi_market.local.env to a server you have",
    ),
    # npm installs the dashboard's pinned front-end packages (package-lock.json) into node_modules/.
    "assets": Need(
        lambda system: shutil.which("npm") is not None,
        ["npm"],
        "Node.js with npm (Windows: winget install OpenJS.NodeJS; macOS: brew install node)",
    ),
    # The browser the browser tests drive (tests/browser/, Playwright with executable_path).
    "browser": Need(
        lambda system: shutil.which("chromium") is not None,
        ["chromium"],
        "chromium on PATH for the browser tests (macOS: brew install --cask chromium)",
    ),
    # The HTTP load generator of scripts/bench.py (a separate process, written in C).
    "bench": Need(
        lambda system: shutil.which("wrk") is not None,
        ["wrk"],
        "wrk, the HTTP load generator (macOS: brew install wrk; there is no Windows build)",
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
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0)
    )
    for directory in reversed(versions):
        if (directory / name).is_file():
            return str(directory / name)
    return None


def unmet(needs: list[str], system: System) -> list[str]:
    return [need for need in needs if not NEEDS[need].met(system)]


def install_hint(needs: list[str], system: System) -> str:
    """One line: what to run or install for ``needs`` on ``system``."""
    if system.debian_like:
        packages = [pkg for need in needs for pkg in NEEDS[need].debian_packages]
        return f"missing system packages; run: sudo apt-get update && sudo apt-get install -y {' '.join(packages)}"
    return "missing " + "; and ".join(NEEDS[need].elsewhere for need in needs)


def ensure(needs: list[str], system: System | None = None) -> list[str]:
    """Install what ``needs`` lack; return the packages installed (empty when all were there).

    Only Debian/Ubuntu as root installs anything; elsewhere PackagesError says what to do.
    """
    system = system or System.here()
    missing = unmet(needs, system)
    if not missing:
        return []
    if not (system.debian_like and system.is_root and system.has_apt):
        raise PackagesError(install_hint(missing, system))
    packages = [pkg for need in missing for pkg in NEEDS[need].debian_packages]
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"installing system packages: {' '.join(packages)}", file=sys.stderr)
    for step in (["apt-get", "update", "-qq"], [*command, "-qq"]):
        result = subprocess.run(step, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise PackagesError(f"{' '.join(step)} failed: {last}")
    return packages


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
