"""can_reach: whether the database's unprivileged user can enter a directory, whatever root's PATH holds."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from scripts.private_db import unprivileged
from scripts.private_db.unprivileged import can_reach, unprivileged_user

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="probing another user's access needs root")


@pytest.fixture
def base():
    """A directory every user can enter (pytest's own tmp_path is under a mode-700 directory)."""
    made = Path(tempfile.mkdtemp(prefix="can-reach-", dir="/tmp"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made)


@pytest.fixture
def locked_dir(base):
    """A mode-700 directory of root's, as a home holding a Nix profile is."""
    locked = base / "home"
    locked.mkdir(mode=0o700)
    return locked


def test_a_path_entry_the_user_cannot_enter_does_not_break_the_probe(locked_dir, monkeypatch):
    """The reported crash: a `test` first on root's PATH, in a directory the user cannot enter."""
    fake_test = locked_dir / "test"
    fake_test.write_text("#!/bin/sh\nexit 0\n")
    fake_test.chmod(0o755)
    monkeypatch.setenv("PATH", f"{locked_dir}:{os.environ['PATH']}")
    user = unprivileged_user()
    open_dir = locked_dir.parent / "open"
    open_dir.mkdir(mode=0o755)
    assert can_reach(user, open_dir)
    assert not can_reach(user, locked_dir)
    assert not can_reach(user, locked_dir / "inside")


def test_a_directory_the_user_may_see_but_not_enter_is_unreachable(base):
    readable_only = base / "readable"
    readable_only.mkdir()
    readable_only.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    assert not can_reach(unprivileged_user(), readable_only)


def test_a_probe_that_cannot_run_counts_as_unreachable(base, monkeypatch):
    assert can_reach(unprivileged_user(), base)

    def no_fork() -> int:
        raise PermissionError("fork refused")

    monkeypatch.setattr(unprivileged.os, "fork", no_fork)
    assert not can_reach(unprivileged_user(), base)
