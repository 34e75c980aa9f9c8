"""Run a server program as an unprivileged user, even where that user cannot reach its files.

PostgreSQL refuses to run as root, so when the launcher is root its cluster runs as an unprivileged
system user (Debian's ``postgres``, or ``aetherion-postgres``, created when missing). That user may
be unable to enter the checkout: CI clones into a folder of its own, and a home directory is often
mode 700. Then the program runs in a mount namespace of its own, where the server's directory is
bind-mounted at a path the user can reach (``/mnt/aetherion``, on a tmpfs private to that
namespace). The files stay under .var/, nothing outside the namespace changes, and the mounts end
with the process.

Inside the namespace this file is the trampoline (standard library only, run by its path):

    unshare --mount --propagation private python unprivileged.py --user U --bind DIR -- PROGRAM ARGS...
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MOUNT_POINT = Path("/mnt/aetherion")
CREATED_USER = "aetherion-postgres"


@dataclass(frozen=True)
class RunAs:
    """How to run a program of the server whose files are under ``server_dir``."""

    server_dir: Path
    user: str | None = None  # None: as whoever runs the launcher
    namespace: bool = False  # the server's directory bind-mounted at MOUNT_POINT

    @classmethod
    def for_directory(cls, server_dir: Path) -> RunAs:
        """As this user when not root; as root, as an unprivileged user, in a namespace if need be."""
        if os.geteuid() != 0:
            return cls(server_dir)
        user = unprivileged_user()
        return cls(server_dir, user, namespace=not can_reach(user, server_dir))

    def visible(self, path: Path) -> Path:
        """Where the program sees ``path`` (a path under ``server_dir``)."""
        return MOUNT_POINT / path.relative_to(self.server_dir) if self.namespace else path

    def command(self, argv: list[str]) -> list[str]:
        if not self.namespace:
            return argv
        return [
            system_program("unshare"),
            "--mount",
            "--propagation",
            "private",
            sys.executable,
            str(Path(__file__).resolve()),
            "--user",
            str(self.user),
            "--bind",
            str(self.server_dir),
            "--",
            *argv,
        ]

    def popen_options(self) -> dict[str, Any]:
        """subprocess options that switch to the user (the trampoline does it in a namespace)."""
        if self.user is None or self.namespace:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def own(self, *paths: Path) -> None:
        """Give ``paths`` to the user the program runs as (as root; a no-op otherwise)."""
        if self.user is None:
            return
        entry = pwd.getpwnam(self.user)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def unprivileged_user() -> str:
    """Debian's ``postgres`` user when it exists, else a system user of our own (created once)."""
    for name in ("postgres", CREATED_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        [system_program("useradd"), "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", CREATED_USER],
        check=True,
        capture_output=True,
    )
    return CREATED_USER


def system_program(name: str) -> str:
    """A system tool from PATH, else from the system's own directories (PATH may hold only a virtual
    environment, as under `python -m scripts.dev` with nothing else on PATH)."""
    return shutil.which(name) or shutil.which(name, path=f"{os.defpath}:/usr/sbin:/sbin") or name


def can_reach(user: str, directory: Path) -> bool:
    """True when ``user`` can enter ``directory``: every directory on the way lets it through.

    The probe is a forked copy of this process that takes on the user's identity and asks the
    kernel (``os.access``), so no program is looked up on root's PATH: a PATH entry the user cannot
    enter (a Nix profile in a mode-700 home) cannot break it. A probe that cannot run at all
    counts as "cannot reach", the answer that still starts the server (through the mount)."""
    entry = pwd.getpwnam(user)
    try:
        child = os.fork()
    except OSError:
        return False
    if child == 0:  # pragma: no cover - the child's exit status is the answer
        try:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            reachable = os.access(directory, os.X_OK)
        except BaseException:
            os._exit(2)
        os._exit(0 if reachable else 1)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _trampoline(argv: list[str]) -> None:
    """In a fresh mount namespace: mount, drop to the user, become the program."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--user", required=True)
    parser.add_argument("--bind", required=True, type=Path)
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    mount = shutil.which("mount") or "/usr/bin/mount"
    subprocess.run([mount, "-t", "tmpfs", "-o", "mode=0755,size=1m", "aetherion", str(MOUNT_POINT.parent)], check=True)
    MOUNT_POINT.mkdir()
    subprocess.run([mount, "--bind", str(args.bind), str(MOUNT_POINT)], check=True)
    entry = pwd.getpwnam(args.user)
    os.chdir(MOUNT_POINT)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    os.execv(program[0], program)


if __name__ == "__main__":
    _trampoline(sys.argv[1:])
