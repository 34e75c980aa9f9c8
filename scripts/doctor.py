"""Pre-flight checks for a newcomer: is this machine ready to run the stack, and if not, what to do.

    python -m scripts.doctor [--profile dev] [--json]

Checks, in order: the Python version, the pinned requirements, the configuration, each caller's
token and what it may call (its scope, never its value: accepted where its rules send it), the three
service ports, MySQL, MongoDB, and whether Flask answers where FastAPI will call it. Each one
says ok, warn or FAIL, with one line saying what to do. Prints a table (or JSON with --json) on
stdout; exits 1 when a check failed, 0 otherwise (warnings do not fail).

It runs on a broken setup too: packages that are not installed, or an invalid configuration,
are reported as checks, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

if not __package__:  # run as a file: the checkout on the path, for scripts.preflight
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.common.setting_home import setting_home  # noqa: E402
from scripts.preflight.servers import check_flask, check_mongo, check_mysql  # noqa: E402
from scripts.preflight.verdicts import (  # noqa: E402
    FAIL,
    OK,
    REPO_ROOT,
    WARN,
    CheckResult,
    setup_fix,
    shown,
    skipped,
)

REQUIREMENTS_DIR = REPO_ROOT / "requirements"
MIN_PYTHON = (3, 11)
PORT_PROBE_TIMEOUT_S = 1.0
SHOWN_AT_MOST = 3
SERVICES = ("django_core", "fastapi_market", "flask_regime")
CONFIG_FIX = "run `python -m scripts.config check` and fix the lines it prints"
ACCEPT_FIX = "add its ACCEPTED_TOKENS entry to every service (docs/security.md)"


# --- 1. Python ------------------------------------------------------------------------------


def check_python() -> CheckResult:
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:2] < MIN_PYTHON:
        return CheckResult(
            "python",
            FAIL,
            f"Python {version} ({shown(sys.executable)}) is too old",
            "install Python 3.11+ and run `make setup` with it",
        )
    return CheckResult("python", OK, f"{version} ({shown(sys.executable)})")


# --- 2. Requirements ------------------------------------------------------------------------


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path, seen: set[Path] | None = None) -> dict[str, str]:
    """``{normalized name: version}`` for every ``name==version`` in ``path`` and the files it ``-r`` includes."""
    seen = set() if seen is None else seen
    if path in seen:
        return {}
    seen.add(path)
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            pins.update(read_pins(path.parent / line.split(None, 1)[1].strip(), seen))
        elif "==" in line:
            name, version = (part.strip() for part in line.split("==", 1))
            pins[normalize(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def unmet_pins(pins: dict[str, str]) -> list[str]:
    """One phrase per pin that is not installed at its version, in file order."""
    unmet = []
    for name, wanted in pins.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            unmet.append(f"{name} missing")
            continue
        if installed != wanted:
            unmet.append(f"{name} {installed} (pinned {wanted})")
    return unmet


def check_requirements() -> CheckResult:
    dev = REQUIREMENTS_DIR / "dev.txt"
    try:
        pins = read_pins(dev)
    except OSError as exc:
        return CheckResult(
            "requirements", FAIL, f"cannot read the pins: {exc}", "run this from a complete checkout of the repository"
        )
    unmet = unmet_pins(pins)
    if not unmet:
        return CheckResult("requirements", OK, f"{len(pins)} pinned packages installed")
    named = ", ".join(unmet[:SHOWN_AT_MOST])
    more = f" and {len(unmet) - SHOWN_AT_MOST} more" if len(unmet) > SHOWN_AT_MOST else ""
    return CheckResult("requirements", FAIL, f"{len(unmet)} of {len(pins)} pins not met: {named}{more}", setup_fix())


# --- 3. Config ------------------------------------------------------------------------------


def check_config(profile: str) -> CheckResult:
    from scripts.config import inspect as inspect_config

    problems = [f"{service}: {p}" for service in SERVICES for p in inspect_config(service, profile).problems()]
    if not problems:
        return CheckResult("config", OK, f"all {len(SERVICES)} services valid")
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    return CheckResult("config", FAIL, f"{problems[0]} — {count} in all", CONFIG_FIX)


def check_tokens(profile: str) -> CheckResult:
    """Each caller's token is accepted by every service its rules let it call (never printing one)."""
    from apps.common.access import TOKEN_CALLERS, granted
    from apps.common.auth import token_digest
    from scripts.config import inspect, inspect_common

    if any(inspect(service, profile).problems() for service in SERVICES):
        return skipped("tokens")
    accepted = {service: inspect_common(service, profile).accepted for service in SERVICES}
    scopes, refused = [], []
    for caller in TOKEN_CALLERS:
        own = inspect_common("scripts" if caller == "operator" else caller, profile).own
        called = sorted({rule.service for rule in granted(caller, profile)})
        count = len(granted(caller, profile))
        scopes.append(f"{caller}: {count} rule{'s' * (count != 1)} on {', '.join(called) or 'nothing'}")
        refused += [
            f"{caller}'s token is not in {service}'s ACCEPTED_TOKENS: its calls there get 403"
            for service in called
            if not own or accepted[service].get(token_digest(own)) != caller
        ]
    detail = "; ".join(scopes) + "; flask_regime: no token (calls no one)"
    if refused:
        return CheckResult("tokens", FAIL, refused[0], f"python -m scripts.config token CALLER, then {ACCEPT_FIX}")
    return CheckResult("tokens", OK, detail)


# --- 4. Ports -------------------------------------------------------------------------------


def served_by(service: str, port: int) -> bool:
    """True when ``service`` itself answers its health endpoint on ``port``."""
    import httpx

    from apps.common.health import READINESS_PATHS

    try:
        response = httpx.get(f"http://127.0.0.1:{port}{READINESS_PATHS[service]}", timeout=PORT_PROBE_TIMEOUT_S)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and body.get("service") == service


def port_fix(variables: list[str], profile: str) -> str:
    names = " and ".join(variables)
    stop = "stop that process" if len(variables) == 1 else "stop those processes"
    if all(setting_home(v, "flask_regime", profile) == "the environment" for v in variables):
        return f"{stop}, or set {names} to a free port in the environment"
    # Every service reads all three ports (to reach the others): one local file is not enough.
    return f"{stop}, or set {names} to a free port in each config/<service>.local.env (all three read it)"


def check_ports(profile: str) -> CheckResult:
    from apps.common.config import ConfigError
    from scripts.ports import service_ports
    from scripts.stack_processes import port_holder

    try:
        ports = service_ports(profile)
    except ConfigError:
        return skipped("ports")
    free, served, busy, variables = [], [], [], []
    for service, (host, port) in ports.items():
        try:
            holder = port_holder(host, port)
        except OSError as exc:
            home = setting_home("BIND_HOST", service, profile)
            return CheckResult(
                "ports",
                FAIL,
                f"cannot bind {host}:{port} for {service}: {exc.strerror}",
                f"set BIND_HOST to an address of this machine in {home}",
            )
        if holder is None:
            free.append(str(port))
        elif served_by(service, port):
            served.append(f"{port} served by a running {service}")
        else:
            busy.append(f"port {port} in use by {holder}")
            variables.append(f"{service.upper()}_PORT")
    if busy:
        return CheckResult("ports", FAIL, "; ".join(busy), port_fix(variables, profile))
    return CheckResult("ports", OK, "; ".join(([f"{', '.join(free)} free"] if free else []) + served))


# --- Running and reporting ------------------------------------------------------------------


def guarded(name: str, check: Callable[..., CheckResult], *args: str) -> CheckResult:
    """Run one check; a missing package or an unexpected error becomes its verdict, not a traceback."""
    try:
        return check(*args)
    except ModuleNotFoundError as exc:
        return CheckResult(name, FAIL, f"needs the Python package {exc.name!r}, which is not installed", setup_fix())
    except Exception as exc:  # the doctor reports every failure, it never crashes
        return CheckResult(
            name,
            FAIL,
            f"the check itself failed: {type(exc).__name__}: {exc}",
            "run `python -m scripts.doctor` again; if it repeats, report this line",
        )


def resolve_profile(requested: str | None) -> tuple[str, str | None]:
    """The profile to check, and the problem with ``APP_ENV`` when it names none."""
    if requested:
        return requested, None
    try:
        from apps.common.config import ConfigError, current_profile
    except ModuleNotFoundError:
        return os.environ.get("APP_ENV", "dev"), None  # the config check will name the missing package
    try:
        return current_profile(), None
    except ConfigError as exc:
        return os.environ.get("APP_ENV", ""), exc.problems[0]


CHECKS: tuple[tuple[str, Callable[[str], CheckResult]], ...] = (
    ("config", check_config),
    ("tokens", check_tokens),
    ("ports", check_ports),
    ("mysql", check_mysql),
    ("mongo", check_mongo),
    ("flask", check_flask),
)


def run_checks(
    profile: str, profile_problem: str | None = None, progress: Callable[[str], None] = lambda name: None
) -> list[CheckResult]:
    """Every check in order; ``progress`` is told each one's name before it runs."""
    results = []
    for name, machine_check in (("python", check_python), ("requirements", check_requirements)):
        progress(name)
        results.append(guarded(name, machine_check))
    if profile_problem is not None:
        results.append(
            CheckResult("config", FAIL, profile_problem, "set APP_ENV to dev, test or production, or unset it")
        )
        return results + [skipped(name) for name, _ in CHECKS[1:]]
    for name, check in CHECKS:
        progress(name)
        results.append(guarded(name, check, profile))
    return results


def run_with_spinner(profile: str, profile_problem: str | None) -> list[CheckResult]:
    """run_checks, showing which check runs on a terminal's stderr (nothing when it is not one)."""
    try:
        from rich.console import Console
    except ModuleNotFoundError:
        return run_checks(profile, profile_problem)
    console = Console(stderr=True)
    if not console.is_terminal:
        return run_checks(profile, profile_problem)
    with console.status("checking…") as status:
        return run_checks(profile, profile_problem, lambda name: status.update(f"checking {name}…"))


def print_table(results: list[CheckResult], profile: str) -> None:
    try:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table
    except ModuleNotFoundError:
        print_plain(results, profile)
        return
    badge = {OK: "[green]ok[/]", WARN: "[yellow]warn[/]", FAIL: "[red]FAIL[/]"}
    table = Table(title=f"Aetherion doctor ({profile} profile)")
    table.add_column("check")
    table.add_column("result")
    table.add_column("what to do")
    for r in results:
        table.add_row(r.name, f"{badge[r.status]} {escape(r.detail)}", escape(r.fix))
    console = Console(soft_wrap=False)
    console.print(table)
    console.print(summary(results), highlight=False)


def print_plain(results: list[CheckResult], profile: str) -> None:
    print(f"Aetherion doctor ({profile} profile)")
    for r in results:
        print(f"{r.name:<13} {'FAIL' if r.status == FAIL else r.status:<5} {r.detail}")
        if r.fix:
            print(f"{'':<19} -> {r.fix}")
    print(summary(results))


def summary(results: list[CheckResult]) -> str:
    failed = [r.name for r in results if r.status == FAIL]
    warned = [r.name for r in results if r.status == WARN]
    if failed:
        return f"{len(failed)} check(s) failed: {', '.join(failed)}. Do what it says, then run this again."
    if warned:
        return f"No check failed; warnings: {', '.join(warned)}."
    return "All checks passed."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.doctor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profile", choices=("dev", "test", "production"), help="config profile (default: APP_ENV, else dev)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    profile, problem = resolve_profile(args.profile)
    results = run_checks(profile, problem) if args.json else run_with_spinner(profile, problem)
    passed = all(r.status != FAIL for r in results)
    if args.json:
        print(json.dumps({"ok": passed, "profile": profile, "checks": [asdict(r) for r in results]}, indent=2))
    else:
        print_table(results, profile)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
