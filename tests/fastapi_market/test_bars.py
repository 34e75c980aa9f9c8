"""POST /bars and GET /bars/{symbol} on the real MongoDB-compatible server of the test stack."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from apps.common.contracts import Bar, BarPage, IngestReport, Problem
from apps.common.contracts.market import MAX_BATCH, MAX_BODY_BYTES
from tests import http_client
from tests.stack import TOKEN

START = datetime(2024, 1, 1, tzinfo=UTC)


def bar(i: int, symbol: str = "TEST", close: float = 100.0, **changes) -> dict:
    row = {
        "symbol": symbol,
        "timeframe": "1d",
        "ts": (START + timedelta(days=i)).isoformat(),
        "open": close,
        "high": close + 1,
        "low": close - 1,
        "close": close,
        "volume": 1000 + i,
    }
    row.update(changes)
    return row


@pytest.fixture
def symbol() -> str:
    """A symbol no other test writes."""
    return f"T{uuid.uuid4().hex[:8].upper()}"


def stored(client, symbol: str, timeframe: str = "1d") -> int:
    """How many bars the store holds of the series (0 when none)."""
    answer = client.get(f"/series/{symbol}", params={"timeframe": timeframe})
    return answer.json()["bars"] if answer.status_code == 200 else 0


def ingest(client, rows) -> IngestReport:
    response = client.post("/bars", json={"bars": rows}, headers=TOKEN)
    assert response.status_code == 200, response.text
    return IngestReport.model_validate(response.json())


def test_ingest_counts_and_is_idempotent(client, symbol):
    rows = [bar(i, symbol) for i in range(50)]
    first = ingest(client, rows)
    assert (first.received, first.inserted, first.updated, first.unchanged, first.rejected) == (50, 50, 0, 0, 0)
    again = ingest(client, rows)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 50)
    changed = ingest(client, [bar(0, symbol, close=101.0), bar(1, symbol), bar(50, symbol)])
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 1)
    assert stored(client, symbol) == 51
    assert client.get(f"/bars/{symbol}", params={"limit": 1}).json()["bars"][0]["close"] == 101.0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"high": 99.0}, "high 99.0 is below max(open, close) 100.0"),
        ({"low": 100.5}, "low 100.5 is above min(open, close) 100.0"),
        ({"volume": -5}, "volume: Input should be greater than or equal to 0"),
        ({"timeframe": "2d"}, "timeframe: Input should be '1m', '5m', '15m', '1h', '4h', '1d' or '1w'"),
        ({"symbol": "aapl; drop"}, "symbol: String should match pattern"),
        ({"ts": "2024-01-01T00:00:00"}, "ts: Input should have timezone info"),
        ({"ts": "0001-01-01T00:00:00+01:00"}, "ts: Value error, is out of the range of UTC times (years 1 to 9999)"),
        ({"open": "Infinity"}, "open: Input should be a finite number"),
        ({"open": 0}, "open: Input should be greater than 0"),
    ],
)
def test_each_invalid_bar_is_rejected_with_its_reason_and_the_rest_kept(client, symbol, changes, reason):
    report = ingest(client, [bar(0, symbol), bar(1, **{"symbol": symbol, **changes}), bar(2, symbol)])
    assert (report.inserted, report.rejected) == (2, 1)
    assert report.rejections[0].index == 1
    assert any(reason in r for r in report.rejections[0].reasons), report.rejections[0].reasons
    assert stored(client, symbol) == 2


def test_csv_body_and_csv_upload(client, symbol):
    csv = (
        "symbol,timeframe,ts,open,high,low,close,volume\n"
        + "".join(f"{symbol},1d,{(START + timedelta(days=i)).isoformat()},10,11,9,10.5,{i}\n" for i in range(5))
        + f"{symbol},1d,,10,11,9,10.5,7\n"
    )
    body = client.post("/bars", content=csv, headers={**TOKEN, "Content-Type": "text/csv"})
    report = IngestReport.model_validate(body.json())
    assert (report.received, report.inserted, report.rejected) == (6, 5, 1)
    assert report.rejections[0].reasons == ["ts: Field required"]
    upload = IngestReport.model_validate(client.post("/bars", files={"file": ("bars.csv", csv)}, headers=TOKEN).json())
    assert (upload.inserted, upload.unchanged, upload.rejected) == (0, 5, 1)


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ("{nope", "application/json", 422),
        ('{"rows": []}', "application/json", 422),
        ("a,b\n1,2\n", "text/csv", 422),
        ("<bars/>", "application/xml", 415),
    ],
)
def test_malformed_bodies_are_problems(client, content, content_type, status):
    response = client.post("/bars", content=content, headers={**TOKEN, "Content-Type": content_type})
    assert response.status_code == status
    assert Problem.model_validate(response.json()).status == status


@pytest.mark.parametrize("rows", [[{}] * 10_001, [bar(i) for i in range(10_001)]], ids=["bad rows", "valid bars"])
def test_too_many_bars_in_one_request_is_413(client, rows):
    response = client.post("/bars", json={"bars": rows}, headers=TOKEN)
    assert response.status_code == 413
    assert response.json()["detail"] == "10001 bars in one request; send at most 10000 per request"


# The longest bar the contract takes: a 20-character symbol, microseconds and an offset, 17-digit floats.
LONGEST_BAR = {
    "symbol": "A" * 20,
    "timeframe": "15m",
    "ts": "2013-03-01T00:00:00.123456+05:30",
    "open": 1.7976931348623157e308,
    "high": 1.7976931348623157e308,
    "low": 2.2250738585072014e-308,
    "close": 2.2250738585072014e-308,
    "volume": 1.7976931348623157e308,
}


def test_a_full_batch_of_the_longest_valid_bars_fits_the_body_limit_as_json_csv_or_a_form():
    Bar.model_validate(LONGEST_BAR)  # valid: the limit must take MAX_BATCH of it
    batch = [LONGEST_BAR] * MAX_BATCH
    as_json = json.dumps({"bars": batch}, indent=8).encode()
    as_csv = (
        "symbol,timeframe,ts,open,high,low,close,volume\n"
        + "".join(",".join(repr(v) if isinstance(v, float) else v for v in row.values()) + "\r\n" for row in batch)
    ).encode()
    boundary = b"-" * 70
    as_form = b'--%s\r\nContent-Disposition: form-data; name="file"; filename="%s.csv"\r\n' % (boundary, b"x" * 200)
    as_form += b"Content-Type: text/csv\r\n\r\n" + as_csv + b"\r\n--%s--\r\n" % boundary
    for body in (as_json, as_csv, as_form):
        assert len(body) <= MAX_BODY_BYTES


def test_a_body_beyond_what_a_full_batch_needs_is_refused_before_it_is_parsed(client):
    """40,000 ordinary bars (about 6 MB, under the old 32 MiB limit): refused for its size, unread."""
    body = json.dumps({"bars": [bar(i) for i in range(4 * MAX_BATCH)]}).encode()
    assert MAX_BODY_BYTES < len(body) < 32 * 1024 * 1024
    response = client.post("/bars", content=body, headers={**TOKEN, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"The request body ({len(body):,} bytes) is larger than this service accepts ({MAX_BODY_BYTES:,} bytes)."
    )


def test_ingest_needs_the_token(client):
    assert client.post("/bars", json={"bars": [bar(0)]}).status_code == 401
    assert client.post("/bars", json={"bars": [bar(0)]}, headers={"Authorization": "Bearer no"}).status_code == 403


def test_concurrent_writers_with_duplicates_leave_exactly_the_unique_set(test_stack, test_urls):
    """Eight writers post overlapping batches at once to the running service: one bar per key."""
    prefix = f"C{uuid.uuid4().hex[:6].upper()}"
    unique = [bar(i, symbol=f"{prefix}{i % 5}") for i in range(400)]
    batches = [[unique[(w * 37 + j) % 400] for j in range(150)] for w in range(8)]  # overlapping windows

    def post(batch):
        response = http_client.post(
            f"{test_urls['fastapi_market']}/bars", json={"bars": batch}, headers=TOKEN, timeout=60
        )
        assert response.status_code == 200, response.text
        return IngestReport.model_validate(response.json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        reports = list(pool.map(post, batches))
    listed = http_client.get(f"{test_urls['fastapi_market']}/series", timeout=30).json()["series"]
    stored_bars = sum(s["bars"] for s in listed if s["symbol"].startswith(prefix))
    touched = {(row["symbol"], row["ts"]) for batch in batches for row in batch}
    assert stored_bars == len(touched) == sum(r.inserted for r in reports)
    for report in reports:
        assert report.inserted + report.updated + report.unchanged + report.rejected == report.received == 150
        assert report.updated == 0


def test_pages_are_sorted_bounded_and_chained(client, symbol):
    ingest(client, [bar(i, symbol) for i in range(30)] + [bar(i, symbol, timeframe="1w") for i in range(3)])
    first = BarPage.model_validate(client.get(f"/bars/{symbol}", params={"limit": 12}).json())
    assert [b.ts for b in first.bars] == sorted(b.ts for b in first.bars) and len(first.bars) == 12
    second = BarPage.model_validate(
        client.get(f"/bars/{symbol}", params={"limit": 12, "after": first.next_after.isoformat()}).json()
    )
    third = BarPage.model_validate(
        client.get(f"/bars/{symbol}", params={"limit": 12, "after": second.next_after.isoformat()}).json()
    )
    assert len(third.bars) == 6 and third.next_after is None
    assert len({b.ts for b in first.bars + second.bars + third.bars}) == 30
    ranged = client.get(
        f"/bars/{symbol}",
        params={"start": (START + timedelta(days=5)).isoformat(), "end": (START + timedelta(days=9)).isoformat()},
    ).json()
    assert len(ranged["bars"]) == 5
    assert len(client.get(f"/bars/{symbol}", params={"timeframe": "1w"}).json()["bars"]) == 3


@pytest.mark.parametrize(
    "params",
    [{"limit": 1001}, {"limit": 0}, {"timeframe": "2d"}, {"start": "yesterday"}, {"start": "2024-01-01T00:00:00"}],
)
def test_bad_queries_are_problems(client, params):
    response = client.get("/bars/TEST", params=params)
    assert response.status_code == 422
    assert Problem.model_validate(response.json()).extension("errors")


def test_a_bad_symbol_is_a_problem_and_an_inverted_range_an_empty_page(client, symbol):
    assert client.get("/bars/not%20a%20symbol").status_code == 422
    ingest(client, [bar(i, symbol) for i in range(40)])
    inverted = client.get(f"/bars/{symbol}", params={"start": "2024-02-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"})
    assert inverted.status_code == 200
    assert (inverted.json()["bars"], inverted.json()["next_after"]) == ([], None)
