"""Market data as fastapi_market takes and gives it: bars, ingest reports, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

Timeframe = Literal["1m", "5m", "15m", "1h", "4h", "1d", "1w"]
SYMBOL_PATTERN = r"^[A-Z0-9][A-Z0-9.\-]{0,19}$"
MAX_BATCH = 10_000
MAX_PAGE = 1_000
# The most bytes one valid bar may take in a request. The longest (a 20-character symbol, a ts with
# microseconds and an offset, 17-digit floats) is 248 bytes as compact JSON and 491 as JSON indented
# by 8 spaces; as a CSV row it is shorter. A typical daily bar is about 150 bytes.
MAX_BAR_BYTES = 512
# A request body's limit follows from the batch cap: MAX_BATCH of the longest bars and 64 KiB for
# the rest (the JSON envelope, a multipart form's boundary and part headers). 5,185,536 bytes.
MAX_BODY_BYTES = MAX_BATCH * MAX_BAR_BYTES + 64 * 1024


def _iso_8601(value: object) -> object:
    """Only ISO 8601 text (or a datetime, in Python): pydantic alone would also take a number, or text
    of digits, as Unix seconds, which the schema does not say."""
    if isinstance(value, str):
        datetime.fromisoformat(value)  # a ValueError is the field's 422
    elif not isinstance(value, datetime):
        raise ValueError("must be ISO 8601 text with a timezone, e.g. 2013-03-01T00:00:00Z")
    return value


# A date-time: ISO 8601 with a timezone, as the OpenAPI document says (format: date-time).
IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_8601)]
# How prices are adjusted for corporate actions: none (as stored), splits, or splits and dividends.
Adjust = Literal["none", "splits", "all"]


class BarFields(BaseModel):
    """An OHLCV bar's fields, each valid on its own: a ``Bar`` without its checks across fields and
    with ``ts`` as sent (fastapi_market checks a clean JSON batch of these column by column)."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(pattern=SYMBOL_PATTERN, examples=["AAPL"])
    timeframe: Timeframe = Field(examples=["1d"])
    ts: IsoDatetime = Field(examples=["2013-03-01T00:00:00Z"], description="ISO 8601 with a timezone")
    open: float = Field(gt=0, allow_inf_nan=False, examples=[438.0])
    high: float = Field(gt=0, allow_inf_nan=False, examples=[438.18])
    low: float = Field(gt=0, allow_inf_nan=False, examples=[429.98])
    close: float = Field(gt=0, allow_inf_nan=False, examples=[430.47])
    volume: float = Field(ge=0, allow_inf_nan=False, examples=[11469500])


class Bar(BarFields):
    """One OHLCV bar. ``ts`` is the bar's open time, timezone-aware, stored in UTC to the millisecond;
    ``high`` is at least, and ``low`` at most, each of ``open`` and ``close``."""

    @field_validator("ts")
    @classmethod
    def to_utc_millis(cls, ts: datetime) -> datetime:
        try:
            ts = ts.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of the range of UTC times (years 1 to 9999)") from None
        return ts.replace(microsecond=ts.microsecond // 1000 * 1000)

    @model_validator(mode="after")
    def check_range(self) -> Bar:
        if self.high < max(self.open, self.close):
            raise ValueError(f"high {self.high} is below max(open, close) {max(self.open, self.close)}")
        if self.low > min(self.open, self.close):
            raise ValueError(f"low {self.low} is above min(open, close) {min(self.open, self.close)}")
        return self


class RejectedBar(BaseModel):
    index: int = Field(description="the row's position in the batch, from 0")
    reasons: list[str]


class IngestReport(BaseModel):
    """What ``POST /bars`` did: every received row is counted exactly once."""

    received: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[RejectedBar]


class BarPage(BaseModel):
    symbol: str
    timeframe: Timeframe
    adjust: Adjust = Field("none", description="how the prices are adjusted for corporate actions")
    bars: list[Bar]
    next_after: datetime | None = Field(
        None, description="pass as `after` for the next page; null on the last page (and when reading `latest`)"
    )
    next_before: datetime | None = Field(
        None, description="with `latest`: pass as `before` for the page of older bars; null when there are none"
    )
