"""Start processes and signal them as a group, the same way on POSIX and on Windows.

A child started by ``start`` leads a group of its own: on POSIX a new session
(``start_new_session``), which ``os.killpg`` reaches with everything the child started; on Windows
a new process group (``CREATE_NEW_PROCESS_GROUP``), which ``CTRL_BREAK_EVENT`` reaches (the one
console event a group can be sent), and which ``terminate`` (TerminateProcess) ends.

``signal_process`` reaches one process alone (a server that forks workers of its own wants the
signal at its main process only). ``run_in_foreground`` is the other case of starting: a child in
this process's own group, as a shell runs a command, so a Ctrl-C at the terminal reaches it directly.

Standard library only: the runner (scripts/dev.py) uses it before the virtual environment exists.
Every function takes the platform (``sys.platform``'s spelling), so the Windows logic is tested
on any machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

WINDOWS = "win32"
# subprocess.CREATE_NEW_PROCESS_GROUP and signal.CTRL_BREAK_EVENT exist on Windows only.
CREATE_NEW_PROCESS_GROUP = 0x00000200
CTRL_BREAK_EVENT = 1
# What a group can be asked, on every platform: stop (gracefully), interrupt (as Ctrl-C), kill.
STOP, INTERRUPT, KILL = "stop", "interrupt", "kill"
POSIX_SIGNALS = {STOP: signal.SIGTERM, INTERRUPT: signal.SIGINT, KILL: getattr(signal, "SIGKILL", 9)}
# The POSIX signal numbers that have a Windows equivalent, so callers may pass numbers on any platform.
WINDOWS_REQUESTS = {number: request for request, number in POSIX_SIGNALS.items()}


class GroupSignal(NamedTuple):
    """How to deliver a request to a group: ``os.<function>(pid, number)``, or ``terminate``."""

    function: str  # "killpg", "kill" (Windows: a console event) or "terminate"
    number: int | None


def group_options(platform: str = sys.platform) -> dict[str, Any]:
    """The ``subprocess.Popen`` keyword arguments that start a child leading a group of its own."""
    if platform == WINDOWS:
        return {"creationflags": CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def start(argv: Sequence[str], *, platform: str = sys.platform, **popen_kwargs: Any) -> subprocess.Popen[Any]:
    """Start ``argv`` leading a group of its own (see group_options); the rest goes to Popen."""
    return subprocess.Popen(list(argv), **group_options(platform), **popen_kwargs)


def group_signal(request: str | int, platform: str = sys.platform) -> GroupSignal:
    """How ``request`` (STOP, INTERRUPT, KILL, or on POSIX any signal number) reaches a group.

    POSIX: the signal to the whole group. Windows: STOP and INTERRUPT (or SIGTERM and SIGINT)
    become CTRL_BREAK_EVENT to the group (a group started this way ignores Ctrl-C events); KILL
    (or SIGKILL's number) becomes terminate.
    """
    if platform == WINDOWS:
        request = WINDOWS_REQUESTS.get(request, request) if isinstance(request, int) else request
        if request in (STOP, INTERRUPT):
            return GroupSignal("kill", CTRL_BREAK_EVENT)
        if request == KILL:
            return GroupSignal("terminate", None)
        raise ValueError(f"{request!r} has no Windows equivalent (use STOP, INTERRUPT or KILL)")
    number = POSIX_SIGNALS.get(request, request) if isinstance(request, str) else request
    if not isinstance(number, int):
        raise ValueError(f"unknown request {request!r} (use STOP, INTERRUPT, KILL or a signal number)")
    return GroupSignal("killpg", int(number))


def process_signal(request: str | int, platform: str = sys.platform) -> GroupSignal:
    """How ``request`` reaches one process: on POSIX ``os.kill``; on Windows as for a group (the
    console event goes to the process's group, which it leads when ``start`` started it)."""
    how = group_signal(request, platform)
    return GroupSignal("kill", how.number) if how.function == "killpg" else how


def signal_group(pid: int, request: str | int, platform: str = sys.platform) -> bool:
    """Send ``request`` to the group led by ``pid``; False when the group is already gone."""
    return _deliver(pid, group_signal(request, platform))


def signal_process(pid: int, request: str | int, platform: str = sys.platform) -> bool:
    """Send ``request`` to process ``pid`` alone; False when it is already gone."""
    return _deliver(pid, process_signal(request, platform))


def _deliver(pid: int, how: GroupSignal) -> bool:
    try:
        if how.function == "terminate":
            # TerminateProcess, as Popen.terminate does on Windows; os.kill with a non-console value calls it.
            os.kill(pid, signal.SIGTERM)
        else:
            getattr(os, how.function)(pid, how.number)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop(
    process: subprocess.Popen[Any], timeout: float, *, request: str | int = STOP, platform: str = sys.platform
) -> int:
    """Ask ``process``'s group to stop (``request``), wait up to ``timeout`` s, then kill the group.

    Returns the exit code of the group leader.
    """
    if process.poll() is None:
        signal_group(process.pid, request, platform)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    # On POSIX the leader may have exited before the rest of its group: the group still gets KILL.
    signal_group(process.pid, KILL, platform)
    return process.wait()


def forwarded_signals(platform: str = sys.platform) -> list[int]:
    """The signals ``run_in_foreground`` passes on to its child.

    SIGTERM is sent to one process (by a supervisor or a test), so it is passed on. A Ctrl-C (and
    on Windows a Ctrl-Break) reaches every process of the terminal's group or console already.
    """
    return [] if platform == WINDOWS else [signal.SIGTERM]


def run_in_foreground(argv: Sequence[str], *, platform: str = sys.platform, **popen_kwargs: Any) -> int:
    """Run ``argv`` in this process's own group and wait for it; its exit code.

    A Ctrl-C reaches the child directly, and this process keeps waiting while the child stops;
    a SIGTERM sent to this process is passed on to the child.
    """
    process = subprocess.Popen(list(argv), **popen_kwargs)
    previous = {}
    for number in forwarded_signals(platform):
        previous[number] = signal.signal(number, lambda signum, frame: process.send_signal(signum))
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                continue  # the child got the same Ctrl-C: wait for it to finish stopping
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
