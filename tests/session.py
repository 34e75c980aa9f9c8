"""The test session's environment, fixed before anything reads a setting.

Loaded as a pytest plugin (``-p tests.session`` in pyproject.toml), so it runs before pytest-django
reads Django's settings: a developer's shell cannot change a result, and this session's test stack
runs on free ports of its own, which every setting (in this process and its children) then names.
"""

from __future__ import annotations

import os
import sys
import tempfile

from scripts.stack_processes import STARTS_RECORD, service_variables
from tests.stack import pin_session_stack

SESSION_DIR_VARIABLE = "AETHERION_TEST_SESSION_DIR"

for _name in service_variables() | {k for k in os.environ if k.startswith("APP_")}:
    os.environ.pop(_name, None)
# Under `make test ARGS=...` make exports its command-line variables (and MAKEFLAGS): a test that runs
# make itself must run it as a user would, not with the outer make's ARGS.
for _name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARGS", "BENCH_ARGS"):
    os.environ.pop(_name, None)
os.environ["APP_ENV"] = "test"
# One run starts hundreds of Python processes (the xdist workers, and the scripts, servers and pytest runs
# that tests start). Where bytecode may not be written (PYTHONDONTWRITEBYTECODE), every one of them compiles
# the project's modules again and every worker rewrites each test module's asserts again; the run writes
# the caches (__pycache__, git-ignored) instead: `make test-fast` from a fresh clone 105–109 s → 98.8 s here.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
SESSION_PORTS: dict[str, int] = pin_session_stack()
# A directory the whole run shares (xdist's controller makes it; its workers inherit the variable): every
# server and stack this run starts is recorded there (scripts.stack_processes.starts_record) and counted at
# the end, and each test's worker group is written there for the controller's scheduler (tests/conftest.py).
# The children of a test (a pytest it runs, a script) inherit it too and add to the record.
OWNS_SESSION_DIR = SESSION_DIR_VARIABLE not in os.environ
if OWNS_SESSION_DIR:
    os.environ[SESSION_DIR_VARIABLE] = tempfile.mkdtemp(prefix="aetherion-tests-")
    os.environ[STARTS_RECORD] = os.path.join(os.environ[SESSION_DIR_VARIABLE], "starts.txt")
SESSION_DIR = os.environ[SESSION_DIR_VARIABLE]
