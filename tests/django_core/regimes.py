"""Real contract objects for the Control Tower's tests."""

from datetime import UTC, datetime

from apps.common.contracts import MarketRegime, RegimeParams
from apps.common.contracts.market_markov import MarkovFitRecord, MarkovMarketRegime, MarkovVolatilityRegime

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


def markov_regime(symbol: str = "AAPL", high: float = 0.9, **changes) -> MarkovMarketRegime:
    """What fastapi_market's ``GET /regime/{symbol}?method=markov`` answers (2 regimes, P(high) =
    ``high``), with ``changes`` applied."""
    fields = {
        "symbol": symbol,
        "timeframe": "1d",
        "adjust": "all",
        "as_of": AS_OF,
        "k_regimes": 2,
        "periods_per_year": 252,
        "volatility": "high" if high > 0.5 else "low",
        "probabilities": [1 - high, high],
        "high_volatility": high,
        "regimes": [
            MarkovVolatilityRegime(
                name="low", annual_volatility=0.109, mean_return=0.0006, expected_duration_bars=55.9
            ),
            MarkovVolatilityRegime(
                name="high", annual_volatility=0.287, mean_return=-0.001, expected_duration_bars=None
            ),
        ],
        "fit": MarkovFitRecord(
            fitted_at=AS_OF,
            data_version=7,
            series_bars=5031,
            returns=5030,
            first_ts=datetime(1999, 1, 5, tzinfo=UTC),
            last_ts=AS_OF,
            llf=16032.5,
            converged=True,
            transition=[[0.982, 0.018], [0.05, 0.95]],
            refitted=True,
            reason="asked for (POST /regime/{symbol}/fit)",
        ),
        "bars_filtered": 5030,
    }
    return MarkovMarketRegime(**(fields | changes))
