"""Real contract objects for the Control Tower's tests."""

from datetime import UTC, datetime

from apps.common.contracts import MarketRegime, RegimeParams

AS_OF = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def market_regime(symbol: str = "AAPL", **changes) -> MarketRegime:
    """What fastapi_market's ``GET /regime/{symbol}`` answers, with ``changes`` applied."""
    fields = {
        "symbol": symbol,
        "timeframe": "1d",
        "as_of": AS_OF,
        "trend": "bull",
        "volatility": "normal",
        "bars_used": 250,
        "features": {"trend_spread": 0.0213, "annual_volatility": 0.2471},
        "params": RegimeParams(),
    }
    return MarketRegime(**(fields | changes))
