"""Load real daily prices into the running stack, then record their regimes.

    python -m scripts.load_sample_data [--symbols AAPL IBM ...] [--batch-size 1000] [--no-refresh]

The prices are the daily OHLCV of AAPL, GOOG, IBM and MSFT from 2000 to 2013 (public domain),
shipped inside the bokeh_sampledata package: nothing is downloaded. The bars are the raw prices
(``Close``); the package's ``Adj Close`` gives their splits and dividends (``sample_actions``).
Everything goes through the public APIs: instruments are registered in django_core
(/api/instruments/), actions and bars are posted to fastapi_market (/actions, /bars), then
`refresh_regimes` records each instrument's regime. Running it again changes nothing. Progress goes
to stderr, a summary to stdout; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import importlib.resources
import io
import itertools
import math
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

from apps.common.auth import authorization_header
from apps.common.config import ConfigError, load_common

NAMES = {
    "AAPL": "Apple Inc.",
    "GOOG": "Alphabet Inc. (Google)",
    "IBM": "International Business Machines",
    "MSFT": "Microsoft Corporation",
}


class LoadError(Exception):
    """A step that failed; the message says which and why."""


def sample_rows(symbols: list[str]) -> dict[str, list[dict[str, str]]]:
    """The package's rows of ``symbols``, oldest first."""
    packed = importlib.resources.files("bokeh_sampledata").joinpath("_data/stocks.csv.gz").read_bytes()
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(gzip.decompress(packed).decode())):
        if row["Ticker"] in symbols:
            rows[row["Ticker"]].append(row)
    return {symbol: sorted(found, key=lambda r: r["Date"]) for symbol, found in rows.items()}


def read_sample_bars(symbols: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The package's daily bars for ``symbols``, as traded (raw), oldest first, as POST /bars rows."""
    return {
        symbol: [
            {
                "symbol": symbol,
                "timeframe": "1d",
                "ts": f"{row['Date']}T00:00:00Z",
                **{name.lower(): float(row[name]) for name in ("Open", "High", "Low", "Close", "Volume")},
            }
            for row in rows
        ]
        for symbol, rows in sample_rows(symbols).items()
    }


def sample_actions(symbols: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The splits and dividends behind the package's ``Adj Close``, as POST /actions rows.

    ``Adj Close ÷ Close`` is each day's backward adjustment factor; where it changes from one day to
    the next, an action took effect that day: a factor of about 1/2 (any far from 1) is a split of
    its inverse, a factor a little under 1 a dividend of (1 − factor) × the close before it.
    """
    actions: dict[str, list[dict[str, Any]]] = {}
    for symbol, rows in sample_rows(symbols).items():
        found = actions.setdefault(symbol, [])
        for before, day in itertools.pairwise(rows):
            step = (float(before["Adj Close"]) / float(before["Close"])) / (
                float(day["Adj Close"]) / float(day["Close"])
            )
            if abs(step - 1) < 1e-6:
                continue
            action = {"symbol": symbol, "ex_date": day["Date"]}
            if abs(math.log(step)) > math.log(1.25):
                found.append({**action, "type": "split", "ratio": round(1 / step, 6)})
            elif step < 1:
                found.append({**action, "type": "dividend", "amount": round((1 - step) * float(before["Close"]), 6)})
    return actions


def instrument_register(client: httpx.Client, django_url: str, symbol: str) -> str:
    """Create the instrument unless it exists; say which."""
    found = client.get(f"{django_url}/api/instruments/{symbol}/")
    if found.status_code == 200:
        return "already registered"
    body = {"symbol": symbol, "name": NAMES[symbol], "asset_class": "equity", "active": True}
    created = client.post(f"{django_url}/api/instruments/", json=body)
    if created.status_code != 201:
        raise LoadError(f"registering {symbol} in django_core: {created.status_code} {created.text[:200]}")
    return "registered"


def bars_post(
    client: httpx.Client,
    fastapi_url: str,
    rows: list[dict[str, Any]],
    batch_size: int,
    advance: Callable[[int], object],
) -> dict[str, int]:
    """Post ``rows`` in batches; the summed counts of the ingest reports."""
    totals = {"inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        response = client.post(f"{fastapi_url}/bars", json={"bars": batch})
        if response.status_code != 200:
            raise LoadError(f"posting bars to fastapi_market: {response.status_code} {response.text[:200]}")
        report = response.json()
        for key in totals:
            totals[key] += report[key]
        advance(len(batch))
    return totals


def actions_post(client: httpx.Client, fastapi_url: str, actions: list[dict[str, Any]]) -> dict[str, int]:
    """Post one symbol's actions; the counts of the report (nothing when it has none)."""
    if not actions:
        return {"inserted": 0, "updated": 0, "unchanged": 0}
    response = client.post(f"{fastapi_url}/actions", json={"actions": actions})
    if response.status_code != 200:
        raise LoadError(f"posting actions to fastapi_market: {response.status_code} {response.text[:200]}")
    return {key: response.json()[key] for key in ("inserted", "updated", "unchanged")}


def latest_snapshot(client: httpx.Client, django_url: str, symbol: str) -> dict[str, Any] | None:
    page = client.get(f"{django_url}/api/snapshots/", params={"symbol": symbol, "page_size": 1}).json()
    return page["results"][0] if page.get("results") else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load_sample_data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--symbols",
        nargs="+",
        choices=sorted(NAMES),
        default=sorted(NAMES),
        metavar="SYMBOL",
        help=f"which of {', '.join(sorted(NAMES))} (default: all)",
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="bars per POST /bars (default 1000)")
    parser.add_argument("--no-refresh", action="store_true", help="load only; do not run refresh_regimes")
    args = parser.parse_args(argv)
    if not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be between 1 and 10000")
    try:
        common = load_common("load_sample_data")
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    err = Console(stderr=True)
    bars, actions = read_sample_bars(args.symbols), sample_actions(args.symbols)
    summary: dict[str, dict[str, Any]] = {}
    try:
        with httpx.Client(headers=authorization_header(common.tokens.own), timeout=60) as client:
            with Progress(console=err, transient=True) as progress:
                for symbol in args.symbols:
                    registered = instrument_register(client, common.django_core_url, symbol)
                    posted = actions_post(client, common.fastapi_market_url, actions.get(symbol, []))
                    err.print(f"{symbol}: actions " + ", ".join(f"{v} {k}" for k, v in posted.items()))
                    task = progress.add_task(f"{symbol} bars", total=len(bars[symbol]))
                    counts = bars_post(
                        client,
                        common.fastapi_market_url,
                        bars[symbol],
                        args.batch_size,
                        functools.partial(progress.advance, task),
                    )
                    summary[symbol] = {"instrument": registered, "actions": len(actions.get(symbol, [])), **counts}
                    err.print(f"{symbol}: {registered}; bars " + ", ".join(f"{v} {k}" for k, v in counts.items()))
            refresh_failed = False
            if not args.no_refresh:
                refresh = subprocess.run(
                    [sys.executable, "-m", "apps.django_core", "refresh_regimes", "--symbol", *args.symbols],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                err.print(refresh.stdout.strip() or refresh.stderr.strip(), highlight=False)
                refresh_failed = refresh.returncode != 0
            for symbol in args.symbols:
                summary[symbol]["regime"] = latest_snapshot(client, common.django_core_url, symbol)
    except (LoadError, httpx.HTTPError) as exc:
        err.print(f"[red]load_sample_data failed:[/] {exc}", highlight=False)
        return 1

    table = Table(title="Sample data and latest regimes")
    counted = ("inserted", "updated", "unchanged", "rejected")
    for column in ("symbol", "instrument", "actions", *counted, "as of", "trend", "volatility"):
        table.add_column(column)
    for symbol, row in summary.items():
        regime = row.get("regime") or {}
        tallies = (str(row[k]) for k in ("inserted", "updated", "unchanged", "rejected"))
        table.add_row(
            symbol,
            row["instrument"],
            str(row["actions"]),
            *tallies,
            (regime.get("as_of") or "-")[:10],
            regime.get("trend", "-"),
            regime.get("volatility", "-"),
        )
    Console(soft_wrap=True).print(table)
    return 1 if refresh_failed else 0


if __name__ == "__main__":
    sys.exit(main())
