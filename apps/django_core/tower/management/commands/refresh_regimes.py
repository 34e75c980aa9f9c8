"""``refresh_regimes``: ask fastapi_market for each instrument's regime and record it.

    python -m apps.django_core refresh_regimes [--symbol S ...] [--timeframe 1d] [--method rules|markov]

One line per instrument (recorded, unchanged, or failed with the reason), then a summary. One
failing instrument does not stop the others; the exit code is 1 when any failed. ``--method markov``
fits each instrument's Markov-switching volatility regimes again (fastapi_market's
``POST /regime/{symbol}/fit``, which keeps the fit for later requests) and records the latest bar's
filtered probabilities. A bad option is one line, before anything is asked.
"""

from __future__ import annotations

from typing import Any, get_args

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.common.contracts.market import Timeframe
from apps.common.request_id import accept_request_id, bind_request_id, reset_request_id
from apps.django_core.tower.models import RegimeSnapshot
from apps.django_core.tower.selectors import instruments_to_refresh
from apps.django_core.tower.service_clients import service_client
from apps.django_core.tower.services import instrument_regime_refresh

METHODS = RegimeSnapshot.Method.values
TIMEFRAMES: tuple[str, ...] = get_args(Timeframe)


class Command(BaseCommand):
    help = (
        "Record every active instrument's regime (or the given symbols') from fastapi_market: by rules "
        "(GET /regime/{symbol}), or by a Markov-switching model fitted again (POST /regime/{symbol}/fit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--symbol",
            dest="symbols",
            action="extend",
            nargs="+",
            metavar="S",
            help="refresh these symbols (active or not) instead of every active instrument",
        )
        parser.add_argument(
            "--timeframe", default="1d", help=f"the bars' timeframe: {', '.join(TIMEFRAMES)} (default: 1d)"
        )
        parser.add_argument(
            "--method",
            default=RegimeSnapshot.Method.RULES,
            help="rules (trend and volatility, the default) or markov (volatility regimes as probabilities, "
            "fitted again)",
        )

    def handle(self, *args: Any, symbols: list[str] | None, timeframe: str, method: str, **options: Any) -> None:
        # Checked here rather than by argparse's choices: one line, not a usage text.
        if method not in METHODS:
            raise CommandError(f"--method must be {' or '.join(METHODS)}, not {method!r}")
        if timeframe not in TIMEFRAMES:
            raise CommandError(f"--timeframe must be one of {', '.join(TIMEFRAMES)}, not {timeframe!r}")
        instruments, unknown = instruments_to_refresh(symbols=[s.upper() for s in symbols or []])
        outcomes = [self._report(symbol, "failed", "not a known instrument") for symbol in unknown]
        # One request ID for the run: fastapi_market's log lines for it can be found together.
        token = bind_request_id(accept_request_id(None))
        try:
            with service_client() as client:
                for instrument in instruments:
                    refresh = instrument_regime_refresh(
                        client=client, instrument=instrument, timeframe=timeframe, method=method
                    )
                    outcomes.append(self._report(refresh.symbol, refresh.outcome, refresh.detail))
        finally:
            reset_request_id(token)
        counts = {outcome: outcomes.count(outcome) for outcome in ("recorded", "unchanged", "failed")}
        self.stdout.write(f"{len(outcomes)} instruments: " + ", ".join(f"{n} {o}" for o, n in counts.items()))
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {len(outcomes)} instruments failed")

    def _report(self, symbol: str, outcome: str, detail: str) -> str:
        style = self.style.ERROR if outcome == "failed" else self.style.SUCCESS
        self.stdout.write(f"{symbol}: {style(outcome)}: {detail}")
        return outcome
