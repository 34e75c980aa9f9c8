"""Per-series summaries of the stored bars: fastapi_market ``GET /series`` gives them, the Control Tower reads them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from apps.common.contracts.market import Timeframe


class SeriesSummary(BaseModel):
    """How many bars of one symbol and timeframe are stored, and the time of the first and the last."""

    symbol: str = Field(examples=["AAPL"])
    timeframe: Timeframe = Field(examples=["1d"])
    bars: int = Field(ge=0, examples=[3270])
    first_ts: datetime = Field(examples=["2000-03-01T00:00:00Z"])
    last_ts: datetime = Field(examples=["2013-03-01T00:00:00Z"])


class SeriesList(BaseModel):
    series: list[SeriesSummary] = Field(description="by symbol, then timeframe")
