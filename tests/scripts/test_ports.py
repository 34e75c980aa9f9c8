"""The port pre-flight: a port in use is one line naming the port and its holder."""

import os

import psutil

from scripts.stack_processes import port_holder, run_module
from tests.stack import clean_env, free_port


def test_free_port_has_no_holder():
    assert port_holder("127.0.0.1", free_port()) is None


def test_silent_port_names_this_process(silent_port):
    assert port_holder("127.0.0.1", silent_port).startswith(f"pid {os.getpid()} (")


def test_command_reports_the_busy_port_in_one_line(silent_port):
    env = clean_env(
        DJANGO_CORE_PORT=str(free_port()), FASTAPI_MARKET_PORT=str(free_port()), FLASK_REGIME_PORT=str(silent_port)
    )
    result = run_module("scripts.ports", env, 30)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    holder = " ".join(psutil.Process().cmdline()[:3])
    assert lines == [
        f"ports: flask_regime cannot start: port {silent_port} on 127.0.0.1 is in use by pid {os.getpid()} ({holder})"
    ]
