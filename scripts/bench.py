"""Benchmark the platform: every figure beside its ceiling, measured in the same run.

    python -m scripts.bench [--quick] [--json PATH] [--no-dev]

Starts its own MariaDB and FerretDB/mongod (throw-away data under .var/test/) and the three
services on free ports, as the production profile runs them (deploy/Procfile.prod: gunicorn for
django_core and flask_regime, uvicorn for fastapi_market, worker counts from config/) and then as
the dev profile does (Procfile), so it runs beside a dev stack and leaves its data alone. Load
comes from `wrk` (a separate process; installed from Debian by scripts/system_packages.py).
Prints a table (figure, value, baseline, ratio, goal, met?, dev) on stdout; --json writes the same.
Progress goes to stderr. Exit code 0 when every figure was measured (goals may be missed), 1 when
the bench could not run. --quick is a scaled-down run (seconds, not minutes) that keeps it working.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from scripts.benchmarks.figures import FULL, QUICK, BenchError, say
from scripts.benchmarks.report import machine, report_json, table_print
from scripts.benchmarks.run import run


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a scaled-down run (seconds): keeps the bench working")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures as JSON to PATH")
    parser.add_argument("--no-dev", action="store_true", help="skip the dev-profile figures")
    args = parser.parse_args(argv)

    from scripts import system_packages

    try:
        system_packages.ensure(["bench"])
    except system_packages.PackagesError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by SIGTERM: still stop what it started
    say(f"{'quick run' if args.quick else 'full run'} on {machine()}")
    try:
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aetherion-bench-")))
            figures, bench = run(QUICK if args.quick else FULL, not args.no_dev, workdir, stack)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    table_print(figures, not args.no_dev, bench.servers)
    if args.json:
        args.json.write_text(json.dumps(report_json(figures, bench.servers), indent=2) + "\n")
        say(f"wrote {args.json}")
    say(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
