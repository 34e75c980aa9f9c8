"""scripts/system_packages.py: apt-get only on Debian/Ubuntu as root; elsewhere one line saying what to install."""

import pytest

from scripts.system_packages import NEEDS, PackagesError, System, ensure, install_hint

WINDOWS = System("win32")
MACOS = System("darwin")
FEDORA_ROOT = System("linux", frozenset({"fedora"}), is_root=True, has_apt=False)
DEBIAN_USER = System("linux", frozenset({"debian"}), is_root=False, has_apt=True)


@pytest.fixture
def no_wrk(monkeypatch, tmp_path):
    """A PATH on which wrk (the bench's need) is not found."""
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.posix  # this machine (and CI's Linux job): Debian as root
def test_this_machine_is_debian_as_root_and_has_what_the_build_needs():
    here = System.here()
    assert here.debian_like and here.is_root and here.has_apt
    assert ensure(["build", "browser", "assets"], here) == []


def test_on_windows_mysqlclient_needs_nothing_built():
    assert NEEDS["build"].met(WINDOWS)  # its Windows wheels carry the client library


@pytest.mark.parametrize("system", [WINDOWS, MACOS, FEDORA_ROOT], ids=["windows", "macos", "fedora-root"])
def test_elsewhere_one_line_names_what_to_install_and_nothing_is_run(system, no_wrk):
    with pytest.raises(PackagesError) as raised:
        ensure(["bench"], system)
    assert str(raised.value) == (
        "missing wrk, the HTTP load generator (macOS: brew install wrk; there is no Windows build)"
    )


def test_debian_without_root_prints_the_apt_get_line(no_wrk):
    with pytest.raises(
        PackagesError,
        match=r"^missing system packages; run: sudo apt-get update && "
        r"sudo apt-get install -y wrk$",
    ):
        ensure(["bench"], DEBIAN_USER)


def test_a_missing_mysql_server_names_the_package_or_the_variable_and_file():
    line = install_hint(["mariadb"], WINDOWS)
    assert "\n" not in line
    assert "winget install MariaDB.Server" in line
    assert "set MYSQL_URL in config/django_core.local.env" in line
    assert install_hint(["mariadb"], DEBIAN_USER).endswith("sudo apt-get install -y mariadb-server")


@pytest.mark.parametrize("need", sorted(NEEDS))
def test_every_need_can_be_checked_and_named_on_every_system(need):
    for system in (WINDOWS, MACOS, FEDORA_ROOT, DEBIAN_USER, System.here()):
        assert isinstance(NEEDS[need].met(system), bool)
    assert NEEDS[need].debian_packages
    assert "\n" not in install_hint([need], MACOS) and install_hint([need], MACOS).startswith("missing ")
