"""Market data endpoints: ingest bars (JSON or CSV), read them back page by page."""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from apps.common.contracts import BarPage, IngestReport
from apps.common.contracts.market import MAX_BATCH, MAX_PAGE, SYMBOL_PATTERN, Adjust, IsoDatetime, Timeframe
from apps.fastapi_market.bars import Checked, bars_check, bars_check_json, bars_ingest
from apps.fastapi_market.columns import to_ms
from apps.fastapi_market.dependencies import StoreDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.store import StoreBusy

log = logging.getLogger(__name__)
router = APIRouter(tags=["bars"])
SymbolPath = Annotated[str, Path(pattern=SYMBOL_PATTERN, examples=["AAPL"])]
PAGE_FROM, PAGE_TO = -(2**62), 2**62  # epoch ms bounds of an open range
CSV_COLUMNS = ["symbol", "timeframe", "ts", "open", "high", "low", "close", "volume"]
# The header the documented format starts with, ended as csv ends a line (CRLF, LF or a lone CR).
CSV_HEADER_PATTERN = "^" + ",".join(CSV_COLUMNS) + "(\r\n|\r|\n|$)"
_EXAMPLE_BAR = {
    "symbol": "AAPL",
    "timeframe": "1d",
    "ts": "2013-03-01T00:00:00Z",
    "open": 438.0,
    "high": 438.18,
    "low": 429.98,
    "close": 430.47,
    "volume": 11469500,
}
_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "description": f'At most {MAX_BATCH} bars: JSON `{{"bars": [...]}}`, a CSV body (`text/csv`), or a CSV '
        f"file uploaded as form field `file`. CSV columns: {', '.join(CSV_COLUMNS)}.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["bars"],
                    "properties": {
                        "bars": {
                            "type": "array",
                            "items": {
                                "anyOf": [
                                    {"$ref": "#/components/schemas/Bar"},
                                    {"description": "anything else: rejected on its own, listed in `rejections`"},
                                ]
                            },
                        }
                    },
                },
                "example": {"bars": [_EXAMPLE_BAR]},
            },
            "text/csv": {
                "schema": {"type": "string", "pattern": CSV_HEADER_PATTERN},
                "example": ",".join(CSV_COLUMNS)
                + "\nAAPL,1d,2013-03-01T00:00:00Z,438.0,438.18,429.98,430.47,11469500\n",
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {
                            "type": "string",
                            "pattern": CSV_HEADER_PATTERN,
                            "contentMediaType": "text/csv",
                            "description": "the CSV, as a file or a plain field; UTF-8, the header line first",
                        }
                    },
                },
                "encoding": {"file": {"contentType": "text/csv"}},
            },
        },
    }
}


@router.post(
    "/bars",
    summary="Ingest a batch of OHLCV bars (JSON or CSV); idempotent",
    response_model=IngestReport,
    openapi_extra=_INGEST_BODY,
    responses=problems(400, 413, 415, 422, 503),  # 400: a form Starlette cannot parse
)
async def create_bars(request: Request, store: StoreDep) -> IngestReport:
    """Validate each bar and store the valid ones in one commit.

    Re-sending the same bars changes nothing; rows that fail validation are listed with their reasons.
    """
    checked = await _checked(request)
    try:
        return await bars_ingest(store, checked)
    except StoreBusy as exc:
        log.warning("POST /bars: %s", exc)
        raise ProblemError(503, f"The bars were not stored: {exc}. Send the batch again.") from None


async def _checked(request: Request) -> Checked:
    """The request's rows validated, whatever the accepted format; a body that is none of them is a problem."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and (checked := bars_check_json(await request.body())) is not None:
        return checked
    rows = await _rows(request, content_type)
    if len(rows) > MAX_BATCH:
        raise ProblemError(413, f"{len(rows)} bars in one request; send at most {MAX_BATCH} per request")
    return bars_check(rows)


async def _rows(request: Request, content_type: str) -> list[Any]:
    """The request's rows, whatever the accepted format; a body that is none of them is a problem."""
    if content_type == "application/json":
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise ProblemError(422, f"The body is not valid JSON: {exc}") from None
        if not isinstance(body, dict) or not isinstance(body.get("bars"), list):
            raise ProblemError(422, 'The JSON body must be an object with a "bars" list.')
        rows: list[Any] = body["bars"]
        return rows
    if content_type == "text/csv":
        return _csv_rows(await request.body())
    if content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=1) as form:
            upload = form.get("file")
            if upload is None:
                raise ProblemError(422, 'Upload the CSV as the form field "file".')
            return _csv_rows(upload.encode() if isinstance(upload, str) else await upload.read())
    raise ProblemError(415, "Send JSON (application/json), CSV (text/csv) or a CSV upload (multipart/form-data).")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemError(422, "The CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))  # as csv wants it: a lone \r inside a row is no error
    try:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as exc:  # a field beyond csv's size limit
        raise ProblemError(422, f"The CSV cannot be read: {exc}") from None
    if missing:
        raise ProblemError(422, f"The CSV header lacks: {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)})")
    # Blank cells are missing values (so they are reported as such), not empty strings.
    return [{k: v for k, v in row.items() if k in CSV_COLUMNS and v not in ("", None)} for row in rows]


AdjustQuery = Annotated[
    Adjust,
    Query(description="prices as stored (`none`), adjusted for splits (`splits`), or for splits and dividends (`all`)"),
]


@router.get(
    "/bars/{symbol}",
    summary="Read bars, oldest first, a page at a time (or the newest page first, with `latest`)",
    response_model=BarPage,
    responses=problems(422, 503),
)
async def read_bars(
    symbol: SymbolPath,
    store: StoreDep,
    timeframe: Timeframe = "1d",
    start: Annotated[IsoDatetime | None, Query(description="from this time, inclusive")] = None,
    end: Annotated[IsoDatetime | None, Query(description="up to this time, inclusive; before `start`: no bars")] = None,
    after: Annotated[IsoDatetime | None, Query(description="`next_after` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"bars per page, at most {MAX_PAGE}")] = 500,
    latest: Annotated[
        bool, Query(description="the newest `limit` bars of the range; older ones with `before`")
    ] = False,
    before: Annotated[
        IsoDatetime | None, Query(description="with `latest`: `next_before` of the previous page")
    ] = None,
    adjust: AdjustQuery = "none",
) -> BarPage:
    """Bars of one symbol and timeframe, sorted by time; follow `next_after` for the next page, or with
    `latest`, `next_before` for the page of older bars. Prices adjusted for corporate actions as asked
    (volume for splits); the bars as stored never change."""
    lo = max(to_ms(start) if start else PAGE_FROM, to_ms(after) + 1 if after else PAGE_FROM)
    hi = min(to_ms(end) if end else PAGE_TO, to_ms(before) - 1 if before else PAGE_TO)
    chosen = await store.read(symbol, timeframe, lo, hi, limit + 1, newest=latest, adjust=adjust)
    more = len(chosen) > limit
    shown = chosen.take(slice(1, None) if latest and more else slice(0, limit))
    bars = shown.bars(symbol, timeframe)
    return BarPage(
        symbol=symbol,
        timeframe=timeframe,
        adjust=adjust,
        bars=bars,
        next_after=bars[-1].ts if more and not latest else None,
        next_before=bars[0].ts if more and latest else None,
    )
