"""scripts/process_groups.py: groups started and signalled for real here (the tests marked posix), and
the Windows branch by its logic, with the platform passed in (on any machine)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from scripts import process_groups
from scripts.process_groups import (
    CREATE_NEW_PROCESS_GROUP,
    CTRL_BREAK_EVENT,
    INTERRUPT,
    KILL,
    STOP,
    GroupSignal,
    forwarded_signals,
    group_options,
    group_signal,
    process_signal,
)
from tests.stack import wait_until

# A parent that starts a grandchild in its own group, writes the grandchild's pid, then waits.
PARENT_AND_CHILD = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(child.pid, flush=True)
    time.sleep(60)
""")


def test_windows_starts_a_new_process_group():
    assert group_options("win32") == {"creationflags": CREATE_NEW_PROCESS_GROUP}
    assert getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200) == CREATE_NEW_PROCESS_GROUP


def test_windows_asks_a_group_to_stop_with_ctrl_break_and_kills_with_terminate():
    assert group_signal(STOP, "win32") == GroupSignal("kill", CTRL_BREAK_EVENT)
    assert group_signal(INTERRUPT, "win32") == GroupSignal("kill", CTRL_BREAK_EVENT)  # Ctrl-C is off in a new group
    assert group_signal(KILL, "win32") == GroupSignal("terminate", None)
    assert getattr(signal, "CTRL_BREAK_EVENT", 1) == CTRL_BREAK_EVENT
    with pytest.raises(ValueError, match="no Windows equivalent"):
        group_signal(signal.SIGSTOP, "win32")


def test_windows_takes_the_posix_numbers_that_have_an_equivalent():
    assert group_signal(signal.SIGTERM, "win32") == GroupSignal("kill", CTRL_BREAK_EVENT)
    assert group_signal(signal.SIGINT, "win32") == GroupSignal("kill", CTRL_BREAK_EVENT)  # PostgreSQL's stop
    assert group_signal(9, "win32") == GroupSignal("terminate", None)  # SIGKILL's number (not defined there)
    assert process_signal(signal.SIGINT, "win32") == GroupSignal("kill", CTRL_BREAK_EVENT)
    assert process_signal(KILL, "win32") == GroupSignal("terminate", None)


def test_posix_signals_one_process_with_kill():
    assert process_signal(STOP, "linux") == GroupSignal("kill", signal.SIGTERM)
    assert process_signal(signal.SIGINT, "linux") == GroupSignal("kill", signal.SIGINT)


def test_windows_forwards_no_signal_to_a_foreground_child():
    # Ctrl-C and Ctrl-Break reach every process of the console; there is no SIGTERM to pass on.
    assert forwarded_signals("win32") == []
    assert forwarded_signals("linux") == [signal.SIGTERM]


def test_posix_signals_the_whole_group():
    assert group_options("linux") == {"start_new_session": True}
    assert group_signal(STOP, "linux") == GroupSignal("killpg", signal.SIGTERM)
    assert group_signal(INTERRUPT, "darwin") == GroupSignal("killpg", signal.SIGINT)
    assert group_signal(KILL, "linux") == GroupSignal("killpg", signal.SIGKILL)
    assert group_signal(signal.SIGSTOP, "linux") == GroupSignal("killpg", signal.SIGSTOP)
    with pytest.raises(ValueError, match="unknown request"):
        group_signal("pause", "linux")


def start_parent_and_child() -> tuple[subprocess.Popen, int]:
    parent = process_groups.start([sys.executable, "-c", PARENT_AND_CHILD], stdout=subprocess.PIPE, text=True)
    return parent, int(parent.stdout.readline())


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.posix
def test_stop_reaches_every_process_of_the_group():
    parent, child = start_parent_and_child()
    assert os.getpgid(child) == parent.pid != os.getpgid(0)  # a group of its own, the child in it
    assert process_groups.stop(parent, timeout=10) == -signal.SIGTERM
    wait_until(lambda: gone(child), 5, "the grandchild stopped with its group")
    parent.stdout.close()


@pytest.mark.posix
def test_signal_process_reaches_that_process_alone():
    parent, child = start_parent_and_child()
    try:
        assert process_groups.signal_process(parent.pid, STOP)
        assert parent.wait(10) == -signal.SIGTERM
        assert not gone(child)  # its group-mate runs on
    finally:
        process_groups.stop(parent, timeout=10)  # the leader is gone: the rest of its group is killed
        parent.stdout.close()
    wait_until(lambda: gone(child), 5, "the grandchild killed with its group")


@pytest.mark.posix
def test_a_group_that_ignores_stop_is_killed_after_the_timeout():
    ignoring = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(60)"
    process = process_groups.start([sys.executable, "-c", ignoring], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # the handler is in place
    started = time.monotonic()
    assert process_groups.stop(process, timeout=1) == -signal.SIGKILL
    assert time.monotonic() - started < 10
    process.stdout.close()


@pytest.mark.posix
def test_signal_group_reports_a_group_that_is_gone():
    process = process_groups.start([sys.executable, "-c", "pass"])
    process.wait()
    assert process_groups.signal_group(process.pid, STOP) is False


@pytest.mark.posix
def test_a_posix_signal_pauses_and_resumes_the_group():
    parent, child = start_parent_and_child()
    try:
        assert process_groups.signal_group(parent.pid, signal.SIGSTOP)
        wait_until(lambda: psutil.Process(child).status() == psutil.STATUS_STOPPED, 5, "grandchild stopped")
        assert process_groups.signal_group(parent.pid, signal.SIGCONT)
        wait_until(lambda: psutil.Process(child).status() != psutil.STATUS_STOPPED, 5, "grandchild resumed")
    finally:
        process_groups.stop(parent, timeout=10)
        parent.stdout.close()


def outer_running_child(on_signal: str, exit_code: int) -> subprocess.Popen:
    """A process (in a group of its own) that runs a child with run_in_foreground; the child says
    ready, then exits ``exit_code`` when it gets ``on_signal`` (after half a second: a slow stop)."""
    child = (
        f"import signal, sys, time; signal.signal(signal.{on_signal}, "
        f"lambda *a: (time.sleep(0.5), sys.exit({exit_code}))); print('ready', flush=True); time.sleep(60)"
    )
    outer = textwrap.dedent(f"""
        import sys
        from scripts.process_groups import run_in_foreground
        sys.exit(run_in_foreground([sys.executable, "-c", {child!r}]))
    """)
    process = process_groups.start([sys.executable, "-c", outer], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


@pytest.mark.posix
def test_run_in_foreground_passes_sigterm_on_and_returns_the_child_exit_code():
    process = outer_running_child("SIGTERM", 3)
    try:
        process.send_signal(signal.SIGTERM)  # to the outer process only: it passes it on
        assert process.wait(10) == 3
    finally:
        process_groups.stop(process, timeout=5)
        process.stdout.close()


@pytest.mark.posix
def test_run_in_foreground_waits_for_the_child_after_a_ctrl_c():
    # A Ctrl-C reaches the terminal's whole group: both processes get SIGINT; the child takes a
    # moment to stop, and the outer process waits for it instead of leaving it behind.
    process = outer_running_child("SIGINT", 4)
    try:
        process_groups.signal_group(process.pid, INTERRUPT)  # as the terminal does: the whole group
        assert process.wait(10) == 4
    finally:
        process_groups.stop(process, timeout=5)
        process.stdout.close()
