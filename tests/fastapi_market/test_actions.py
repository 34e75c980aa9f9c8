"""Corporate actions and adjusted prices through fastapi_market, on the real MongoDB-compatible server:
POST /actions stores splits and dividends, GET /bars and GET /regime adjust for them as asked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from apps.common.contracts import BarPage, IngestReport, MarketRegime
from apps.common.contracts.actions import ActionList, ActionReport
from apps.fastapi_market.columns import series_name
from apps.fastapi_market.store import SeriesStore
from tests.problem_checks import assert_problem
from tests.stack import TOKEN

START = datetime(2010, 1, 4, tzinfo=UTC)


@pytest.fixture
def symbol() -> str:
    return f"A{uuid.uuid4().hex[:8].upper()}"


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def bars_of(symbol: str, closes: list[float]) -> list[dict]:
    return [
        {"symbol": symbol, "timeframe": "1d", "ts": day(n), "open": c, "high": c, "low": c, "close": c, "volume": 100.0}
        for n, c in enumerate(closes)
    ]


def post_actions(client, actions: list[dict]):
    return client.post("/actions", json={"actions": actions}, headers=TOKEN)


def closes_and_volumes(client, symbol: str, adjust: str) -> tuple[list[float], list[float]]:
    page = BarPage.model_validate(client.get(f"/bars/{symbol}", params={"adjust": adjust, "limit": 1000}).json())
    assert page.adjust == adjust
    return [round(bar.close, 10) for bar in page.bars], [bar.volume for bar in page.bars]


def test_actions_are_stored_idempotently_and_listed_by_ex_date(client, symbol):
    split = {"symbol": symbol, "type": "split", "ex_date": "2010-01-06", "ratio": 2}
    dividend = {"symbol": symbol, "type": "dividend", "ex_date": "2010-01-05", "amount": 0.5}
    first = ActionReport.model_validate(post_actions(client, [split, dividend, split]).json())
    assert (first.received, first.inserted, first.updated, first.unchanged) == (3, 2, 0, 1)
    again = ActionReport.model_validate(post_actions(client, [dividend, split]).json())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = ActionReport.model_validate(post_actions(client, [{**dividend, "amount": 0.25}]).json())
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 0)
    listed = ActionList.model_validate(client.get(f"/actions/{symbol}").json())
    assert [(a.type, a.ex_date.isoformat(), a.value) for a in listed.actions] == [
        ("dividend", "2010-01-05", 0.25),
        ("split", "2010-01-06", 2.0),
    ]
    assert client.get("/actions/NOACTIONS1").json() == {"symbol": "NOACTIONS1", "actions": []}


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"type": "split", "ex_date": "2010-01-06", "ratio": 1}, "a split's ratio is not 1"),
        ({"type": "split", "ex_date": "2010-01-06", "amount": 2}, "Field required"),
        ({"type": "dividend", "ex_date": "2010-01-06", "amount": -1}, "greater than 0"),
        ({"type": "dividend", "ex_date": "2010-13-06", "amount": 1}, "ex_date"),
        ({"type": "dividend", "ex_date": 1262736000, "amount": 1}, "must be an ISO 8601 date"),
        ({"type": "merger", "ex_date": "2010-01-06", "ratio": 2}, "type"),
        ({"type": "split", "ex_date": "2010-01-06", "ratio": "Infinity"}, "finite"),
    ],
)
def test_a_bad_action_is_a_problem_and_nothing_of_its_batch_is_stored(client, symbol, bad, says):
    good = {"symbol": symbol, "type": "dividend", "ex_date": "2010-01-05", "amount": 0.5}
    response = post_actions(client, [good, {"symbol": symbol, **bad}])
    problem = assert_problem(response, 422)
    assert says in str(problem), problem
    assert client.get(f"/actions/{symbol}").json()["actions"] == []


def test_a_later_value_of_an_action_in_one_batch_replaces_the_earlier(client, symbol):
    split = {"symbol": symbol, "type": "split", "ex_date": "2010-01-06", "ratio": 2}
    report = ActionReport.model_validate(post_actions(client, [split, {**split, "ratio": 3}]).json())
    assert (report.received, report.inserted, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert [a.value for a in ActionList.model_validate(client.get(f"/actions/{symbol}").json()).actions] == [3.0]


def test_writing_actions_needs_the_token(client, symbol):
    body = {"actions": [{"symbol": symbol, "type": "split", "ex_date": "2010-01-06", "ratio": 2}]}
    assert client.post("/actions", json=body).status_code == 401
    assert client.post("/actions", json=body, headers={"Authorization": "Bearer no"}).status_code == 403


def test_reads_adjust_backwards_for_splits_and_dividends_and_the_bars_stay_as_sent(client, symbol, market_settings):
    """Six days: a 2-for-1 split takes effect on day 3, a dividend of 1.08 on day 5 (the close before it 54)."""
    raw = [100.0, 102.0, 104.0, 52.0, 54.0, 50.0]
    client.post("/bars", json={"bars": bars_of(symbol, raw)}, headers=TOKEN).raise_for_status()
    before = stored_index(market_settings, symbol)
    actions = [
        {"symbol": symbol, "type": "split", "ex_date": day(3)[:10], "ratio": 2},
        {"symbol": symbol, "type": "dividend", "ex_date": day(5)[:10], "amount": 1.08},
    ]
    assert post_actions(client, actions).status_code == 200
    dividend = 1 - 1.08 / 54.0  # the close of the last bar before its ex-date
    assert closes_and_volumes(client, symbol, "none") == (raw, [100.0] * 6)
    splits, split_volumes = closes_and_volumes(client, symbol, "splits")
    assert splits == [50.0, 51.0, 52.0, 52.0, 54.0, 50.0] and split_volumes == [200.0] * 3 + [100.0] * 3
    adjusted, volumes = closes_and_volumes(client, symbol, "all")
    assert adjusted == [round(c * dividend, 10) for c in (50.0, 51.0, 52.0, 52.0, 54.0)] + [50.0]
    assert volumes == split_volumes  # dividends leave volume be
    assert stored_index(market_settings, symbol) == before  # no bar rewritten: the series' version is the same


def test_an_action_added_later_changes_the_regime_served(client, symbol):
    """A 2-for-1 split in a steady rise reads as a crash until it is known; the regime says which closes it used."""
    rise = [100 * 1.002**n for n in range(120)]
    raw = rise[:100] + [close / 2 for close in rise[100:]]
    client.post("/bars", json={"bars": bars_of(symbol, raw)}, headers=TOKEN).raise_for_status()
    before = MarketRegime.model_validate(client.get(f"/regime/{symbol}").json())
    post_actions(client, [{"symbol": symbol, "type": "split", "ex_date": day(100)[:10], "ratio": 2}]).raise_for_status()
    after = MarketRegime.model_validate(client.get(f"/regime/{symbol}").json())
    unadjusted = MarketRegime.model_validate(client.get(f"/regime/{symbol}", params={"adjust": "none"}).json())
    assert (before.adjust, after.adjust, unadjusted.adjust) == ("all", "all", "none")
    assert before.trend == "bear" and after.trend == "bull" and unadjusted.trend == "bear"
    assert after.features["annual_volatility"] < 0.05 < unadjusted.features["annual_volatility"]


@pytest.mark.parametrize(
    ("timeframe", "asset_class", "expected"),
    [
        ("1d", "equity", 252),
        ("1h", "equity", 1764),
        ("1m", "equity", 98_280),
        ("1h", "crypto", 8760),
        ("1d", "fx", 260),
    ],
)
def test_the_regime_annualises_by_the_timeframe_and_the_calendar(client, symbol, timeframe, asset_class, expected):
    rows = [{**row, "timeframe": timeframe} for row in bars_of(symbol, [100 + n % 3 for n in range(60)])]
    client.post("/bars", json={"bars": rows}, headers=TOKEN).raise_for_status()
    params = {"timeframe": timeframe, "asset_class": asset_class}
    answer = MarketRegime.model_validate(client.get(f"/regime/{symbol}", params=params).json())
    assert answer.periods_per_year == answer.params.periods_per_year == expected
    chosen = client.get(f"/regime/{symbol}", params={**params, "periods_per_year": 365}).json()
    assert chosen["periods_per_year"] == 365
    assert assert_problem(client.get(f"/regime/{symbol}", params={**params, "asset_class": "stamps"}), 422)


def test_latest_pages_read_back_from_the_newest(client, symbol):
    client.post("/bars", json={"bars": bars_of(symbol, [float(n + 1) for n in range(25)])}, headers=TOKEN)
    seen, params = [], {"latest": "true", "limit": 10}
    while True:
        page = BarPage.model_validate(client.get(f"/bars/{symbol}", params=params).json())
        assert [b.ts for b in page.bars] == sorted(b.ts for b in page.bars) and page.next_after is None
        seen = [b.close for b in page.bars] + seen
        if page.next_before is None:
            break
        params["before"] = page.next_before.isoformat()
    assert seen == [float(n + 1) for n in range(25)]


@pytest.mark.parametrize("ts", ["20000000001", 20000000001, 1262600000.5, "2010-01-04"])
def test_a_bar_time_is_iso_8601_with_a_timezone_in_json_and_csv(client, symbol, ts):
    row = {**bars_of(symbol, [10.0])[0], "ts": ts}
    report = IngestReport.model_validate(client.post("/bars", json={"bars": [row]}, headers=TOKEN).json())
    assert (report.inserted, report.rejected) == (0, 1)
    csv = f"symbol,timeframe,ts,open,high,low,close,volume\n{symbol},1d,{ts},10,10,10,10,1\n"
    sent = client.post("/bars", content=csv, headers={**TOKEN, "Content-Type": "text/csv"}).json()
    assert (sent["inserted"], sent["rejected"]) == (0, 1)
    assert client.get(f"/series/{symbol}").status_code == 404


def stored_index(market_settings, symbol: str) -> str:
    """The key of the series' current version (it changes when, and only when, its bars do)."""

    async def read() -> str:
        client = AsyncMongoClient(market_settings.mongo.url, tz_aware=True)
        try:
            _, catalog = await SeriesStore(client[market_settings.mongo.database]).head()
            return catalog.entries[series_name(symbol, "1d")].index
        finally:
            await client.close()

    return asyncio.run(read())
