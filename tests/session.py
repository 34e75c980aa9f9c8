"""The test session's environment, fixed before anything reads a setting.

Loaded as a pytest plugin (``-p tests.session`` in pyproject.toml), so it runs before pytest-django
reads Django's settings: a developer's shell cannot change a result, and this session's test stack
runs on free ports of its own, which every setting (in this process and its children) then names.
"""

from __future__ import annotations

import os

from scripts.stack_processes import service_variables
from tests.stack import pin_session_stack

for _name in service_variables() | {k for k in os.environ if k.startswith("APP_")}:
    os.environ.pop(_name, None)
# Under `make test ARGS=...` make exports its command-line variables (and MAKEFLAGS): a test that runs
# make itself must run it as a user would, not with the outer make's ARGS.
for _name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARGS", "BENCH_ARGS"):
    os.environ.pop(_name, None)
os.environ["APP_ENV"] = "test"
SESSION_PORTS: dict[str, int] = pin_session_stack()
