"""Check a running stack: the three health endpoints and FastAPI's call to Flask, concurrently.

    python -m scripts.smoke [--json] [--timeout S] [--django-url URL] [--fastapi-url URL] [--flask-url URL]

Base URLs come from config/ (APP_ENV picks the profile); flags override them. Prints a table
(or JSON with --json) on stdout and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from apps.common.config import ConfigError, load_common
from apps.common.contracts import CheckRegimeResponse, HealthReport
from apps.common.health import READINESS_PATHS


@dataclass(frozen=True)
class Check:
    name: str
    url: str
    contract: type[BaseModel] = HealthReport


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    url: str
    ok: bool
    result: str
    latency_ms: float


def checks_for(urls: dict[str, str]) -> list[Check]:
    return [
        *(Check(f"{name} {path}", f"{urls[name]}{path}") for name, path in READINESS_PATHS.items()),
        Check("fastapi_market /check-regime", f"{urls['fastapi_market']}/check-regime", CheckRegimeResponse),
    ]


async def run_one(client: httpx.AsyncClient, check: Check) -> CheckOutcome:
    started = time.perf_counter()
    try:
        response = await client.get(check.url)
    except httpx.HTTPError as exc:
        result, ok = f"{type(exc).__name__}: {exc or 'no answer'}", False
    else:
        ok = response.status_code == 200
        result = f"{response.status_code}"
        if not ok:
            result += f" {_json(response) or response.text[:80]}"
        else:
            try:
                check.contract.model_validate_json(response.content)
            except ValidationError:
                ok, result = False, f"200 but not a {check.contract.__name__}: {response.text[:80]!r}"
    latency = round((time.perf_counter() - started) * 1000, 1)
    return CheckOutcome(check.name, check.url, ok, result, latency)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


async def run_checks(checks: list[Check], timeout: float) -> list[CheckOutcome]:
    async with httpx.AsyncClient(timeout=timeout) as client:
        return list(await asyncio.gather(*(run_one(client, c) for c in checks)))


def print_table(outcomes: list[CheckOutcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Aetherion smoke test")
    table.add_column("check")
    table.add_column("result")
    table.add_column("latency", justify="right")
    for o in outcomes:
        table.add_row(o.name, f"[green]ok[/] {o.result}" if o.ok else f"[red]FAIL[/] {o.result}", f"{o.latency_ms} ms")
    Console(soft_wrap=True).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.smoke", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per check (default 5)")
    parser.add_argument("--django-url", help="django_core base URL")
    parser.add_argument("--fastapi-url", help="fastapi_market base URL")
    parser.add_argument("--flask-url", help="flask_regime base URL")
    args = parser.parse_args(argv)
    try:
        urls = load_common("smoke").service_urls()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    overrides = {"django_core": args.django_url, "fastapi_market": args.fastapi_url, "flask_regime": args.flask_url}
    urls.update({k: v.rstrip("/") for k, v in overrides.items() if v})

    outcomes = asyncio.run(run_checks(checks_for(urls), args.timeout))
    passed = all(o.ok for o in outcomes)
    if args.json:
        print(json.dumps({"ok": passed, "checks": [asdict(o) for o in outcomes]}, indent=2))
    else:
        print_table(outcomes)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
