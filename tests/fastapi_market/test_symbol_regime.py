"""GET /regime/{symbol}: bars from the real MongoDB, regimes from the real flask_regime."""

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from apps.common.contracts import MarketRegime, Problem
from apps.fastapi_market.main import create_app
from tests.stack import TOKEN, free_port

START = datetime(2023, 1, 1, tzinfo=UTC)


def rows(symbol: str, closes) -> list[dict]:
    return [
        {
            "symbol": symbol,
            "timeframe": "1d",
            "ts": (START + timedelta(days=i)).isoformat(),
            "open": c,
            "high": c * 1.01,
            "low": c * 0.99,
            "close": c,
            "volume": 1,
        }
        for i, c in enumerate(closes)
    ]


@pytest.fixture
def seeded(client):
    """The module's series (sending them again changes nothing)."""
    rising = 100 * np.exp(np.cumsum(np.full(120, 0.004)))
    falling = 100 * np.exp(np.cumsum(np.full(120, -0.004)))
    for symbol, closes in (("UP", rising), ("DOWN", falling), ("SHORT", rising[:10])):
        assert client.post("/bars", json={"bars": rows(symbol, closes.tolist())}, headers=TOKEN).status_code == 200
    return client


def test_regime_of_a_rising_and_a_falling_symbol(seeded):
    up = MarketRegime.model_validate(seeded.get("/regime/UP").json())
    down = MarketRegime.model_validate(seeded.get("/regime/DOWN").json())
    assert (up.trend, down.trend) == ("bull", "bear")
    assert up.as_of == START + timedelta(days=119) and up.bars_used == 120
    assert up.features["sma_fast"] > up.features["sma_slow"]
    assert up.volatility == "low"


def test_lookback_limits_the_bars_used(seeded):
    assert seeded.get("/regime/UP", params={"lookback": 60}).json()["bars_used"] == 60


def test_unknown_symbol_is_404_and_too_few_bars_409(seeded):
    missing = seeded.get("/regime/NOPE")
    assert missing.status_code == 404 and Problem.model_validate(missing.json()).detail == "No 1d bars for NOPE."
    short = seeded.get("/regime/SHORT")
    assert short.status_code == 409 and "needs at least 50" in short.json()["detail"]


def test_flask_down_is_a_503_problem(seeded, market_settings):
    common = dataclasses.replace(market_settings.common, flask_regime_url=f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app(dataclasses.replace(market_settings, common=common))) as client:
        response = client.get("/regime/UP")
    assert response.status_code == 503 and "flask_regime is unreachable" in response.json()["detail"]
