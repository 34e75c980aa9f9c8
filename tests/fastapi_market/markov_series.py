"""Series for the Markov-switching tests: bars posted to fastapi_market through its own API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np

from tests.stack import TOKEN

START = datetime(2000, 1, 3, tzinfo=UTC)


def new_symbol(prefix: str = "M") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def bar_rows(symbol: str, closes, start: int = 0, days: list[date] | None = None) -> list[dict]:
    """POST /bars rows of ``closes``: on ``days``, else one a day from START + ``start`` days."""
    rows = []
    for n, close in enumerate(np.asarray(closes, dtype=float).tolist()):
        ts = datetime.combine(days[n], datetime.min.time(), UTC) if days else START + timedelta(days=start + n)
        rows.append(
            {"symbol": symbol, "timeframe": "1d", "ts": ts.isoformat(), "open": close, "high": close, "low": close}
            | {"close": close, "volume": 1.0}
        )
    return rows


def post_bars(client, rows: list[dict]) -> None:
    for first in range(0, len(rows), 10_000):
        response = client.post("/bars", json={"bars": rows[first : first + 10_000]}, headers=TOKEN)
        assert response.status_code == 200, response.text[:300]


def calm_then_wild(n: int, seed: int = 22) -> np.ndarray:
    """Closes whose daily log returns switch between 0.6 % and 2.5 % volatility every 100 days or so."""
    rng = np.random.default_rng(seed)
    wild = (np.arange(n) // 100) % 2 == 1
    returns = rng.normal(0.0003, np.where(wild, 0.025, 0.006))
    return 100 * np.exp(np.cumsum(returns))
