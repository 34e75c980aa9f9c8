"""``refresh_regimes``: ask fastapi_market for each instrument's regime and record it.

    python -m apps.django_core refresh_regimes [--symbol S ...] [--timeframe 1d]

One line per instrument (recorded, unchanged, or failed with the reason), then a summary. One
failing instrument does not stop the others; the exit code is 1 when any failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.common.request_id import accept_request_id, bind_request_id, reset_request_id
from apps.django_core.tower.selectors import instruments_to_refresh
from apps.django_core.tower.service_clients import service_client
from apps.django_core.tower.services import instrument_regime_refresh


class Command(BaseCommand):
    help = "Record every active instrument's regime (or the given symbols') from fastapi_market's /regime/{symbol}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--symbol",
            dest="symbols",
            action="extend",
            nargs="+",
            metavar="S",
            help="refresh these symbols (active or not) instead of every active instrument",
        )
        parser.add_argument("--timeframe", default="1d", help="the bars' timeframe (default: 1d)")

    def handle(self, *args: Any, symbols: list[str] | None, timeframe: str, **options: Any) -> None:
        instruments, unknown = instruments_to_refresh(symbols=[s.upper() for s in symbols or []])
        outcomes = [self._report(symbol, "failed", "not a known instrument") for symbol in unknown]
        # One request ID for the run: fastapi_market's log lines for it can be found together.
        token = bind_request_id(accept_request_id(None))
        try:
            with service_client() as client:
                for instrument in instruments:
                    refresh = instrument_regime_refresh(client=client, instrument=instrument, timeframe=timeframe)
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
