"""scripts/requirements_lock.py: the committed lock matches the requirement files, and a changed pin is caught.

These run uv against PyPI (or uv's cache), as `make lint` does.
"""

import shutil

import pytest

from apps.common.config import REPO_ROOT
from scripts import requirements_lock
from scripts.requirements_lock import LockError, lock_differences


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout's requirement files and lock."""
    shutil.copytree(REPO_ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def test_the_committed_lock_matches_the_requirement_files(capsys):
    assert requirements_lock.main(["check"]) == 0
    assert capsys.readouterr().err == "requirements_lock: requirements/lock.txt matches the requirement files\n"


def test_a_pin_changed_without_compiling_is_named(checkout):
    dev = checkout / "requirements" / "dev.txt"
    assert "PyYAML==6.0.4" in dev.read_text()
    dev.write_text(dev.read_text().replace("PyYAML==6.0.4", "PyYAML==6.0.2"))
    differences = lock_differences(checkout)
    assert "-pyyaml==6.0.4 \\" in differences and "+pyyaml==6.0.2 \\" in differences


def test_every_installed_line_of_the_lock_carries_hashes():
    lines = (REPO_ROOT / "requirements" / "lock.txt").read_text().splitlines()
    pins = [line for line in lines if "==" in line and not line.startswith((" ", "#"))]
    assert len(pins) > 50
    assert all(line.endswith("\\") for line in pins)  # each pin continues with its --hash lines


def test_a_missing_lock_is_one_clear_line(checkout):
    (checkout / "requirements" / "lock.txt").unlink()
    missing = r"^requirements/lock.txt is missing: run `python -m scripts.requirements_lock compile`$"
    with pytest.raises(LockError, match=missing):
        lock_differences(checkout)
