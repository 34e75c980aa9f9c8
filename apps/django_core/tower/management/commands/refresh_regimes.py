"""``refresh_regimes``: ask fastapi_market for each instrument's regime and record it.

    python -m apps.django_core refresh_regimes [--symbol S ...] [--timeframe 1d]

One line per instrument (recorded, unchanged, or failed with the reason), then a summary. One
failing instrument does not stop the others; the exit code is 1 when any failed.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.common.contracts import MarketRegime
from apps.common.http import ServiceCallError, get_contract_sync, sync_service_client
from apps.common.request_id import accept_request_id, bind_request_id, reset_request_id
from apps.django_core.tower.models import Instrument
from apps.django_core.tower.selectors import instruments_to_refresh
from apps.django_core.tower.services import regime_snapshot_record

MARKET = "fastapi_market"
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 10.0


class Command(BaseCommand):
    help = "Record every active instrument's regime (or the given symbols') from fastapi_market's /regime/{symbol}."

    def add_arguments(self, parser):
        parser.add_argument(
            "--symbol", dest="symbols", action="extend", nargs="+", metavar="S",
            help="refresh these symbols (active or not) instead of every active instrument",
        )
        parser.add_argument("--timeframe", default="1d", help="the bars' timeframe (default: 1d)")

    def handle(self, *args, symbols: list[str] | None, timeframe: str, **options) -> None:
        instruments, unknown = instruments_to_refresh(symbols=[s.upper() for s in symbols or []])
        outcomes = [self._report(symbol, "failed", "not a known instrument") for symbol in unknown]
        # One request ID for the run: fastapi_market's log lines for it can be found together.
        token = bind_request_id(accept_request_id(None))
        try:
            with sync_service_client(
                token=settings.CONFIG.common.internal_api_token,
                connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
            ) as client:
                outcomes += [self._refresh(client, instrument, timeframe) for instrument in instruments]
        finally:
            reset_request_id(token)
        counts = {outcome: outcomes.count(outcome) for outcome in ("recorded", "unchanged", "failed")}
        self.stdout.write(f"{len(outcomes)} instruments: " + ", ".join(f"{n} {o}" for o, n in counts.items()))
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {len(outcomes)} instruments failed")

    def _refresh(self, client: httpx.Client, instrument: Instrument, timeframe: str) -> str:
        """Fetch and record one instrument's regime; the outcome, already printed."""
        url = f"{settings.CONFIG.common.fastapi_market_url}/regime/{quote(instrument.symbol, safe='')}"
        try:
            regime = get_contract_sync(client, MARKET, f"{url}?timeframe={quote(timeframe, safe='')}", MarketRegime)
            snapshot, changed = regime_snapshot_record(instrument=instrument, regime=regime)
        except ServiceCallError as exc:
            return self._report(instrument.symbol, "failed", exc.detail)
        except ValidationError as exc:
            return self._report(instrument.symbol, "failed", _reason(exc))
        detail = f"{snapshot.trend}/{snapshot.volatility} as of {snapshot.as_of.isoformat()}"
        return self._report(instrument.symbol, "recorded" if changed else "unchanged", detail)

    def _report(self, symbol: str, outcome: str, detail: str) -> str:
        style = self.style.ERROR if outcome == "failed" else self.style.SUCCESS
        self.stdout.write(f"{symbol}: {style(outcome)}: {detail}")
        return outcome


def _reason(exc: ValidationError) -> str:
    """A refused regime's problems on one line, each naming its field when it has one."""
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages)
    return "; ".join(exc.messages)
