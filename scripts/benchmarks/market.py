"""The figures of fastapi_market and its series store: ingest through POST /bars beside raw inserts,
GET /regime and GET /bars under load, then one 1-minute series grown through POST /bars, its reads
timed at two lengths (they must not grow with it) and paged through whole; GET /series with many series."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts import bench_dashboard
from scripts.benchmarks.bars import bar_document, bars_generate, concurrently
from scripts.benchmarks.engine import best_seconds
from scripts.benchmarks.figures import BATCH, INGEST_CLIENTS, READ_LOAD_CONNECTIONS, BenchError, Figure, rounded, say
from scripts.benchmarks.load import wrk
from scripts.benchmarks.stack import BENCH_MONGO_DB, BenchStack, fastapi_workers

LONG_SYMBOL = "BENCHLONG"  # the 1-minute series grown for the length figures
MARKOV_SYMBOL = "BENCHMKV"  # the S&P 500's newest daily closes, for the Markov-switching regime
SERIES_BATCH = 10_000  # bars per POST /bars while it grows


def post_all(stack: BenchStack, bars: list[dict[str, Any]], batch: int = SERIES_BATCH) -> None:
    """POST ``bars`` in batches, one after the other; every one stored or the bench stops."""
    import httpx

    url = f"{stack.ports.url('fastapi_market')}/bars"
    with httpx.Client(timeout=300, headers={"Authorization": f"Bearer {stack.token}"}) as client:
        for first in range(0, len(bars), batch):
            response = client.post(url, json={"bars": bars[first : first + batch]})
            if response.status_code != 200:
                raise BenchError(f"POST /bars answered {response.status_code}: {response.text[:300]}")


def ingest(stack: BenchStack, fig: Figure, regime_symbol: str) -> None:
    """POST /bars from INGEST_CLIENTS clients at once, beside raw insert_many of the same bars, one
    document each, from as many clients into a collection of their own; ``rounds`` interleaved rounds
    (each of new symbols, the first of them the ones the later figures read), the median of each."""
    s = stack.scale
    service, raw = [], []
    for round_no in range(s.rounds):
        bars = bars_generate(s.ingest_bars, s.regime_bars, prefix="BENCH" if round_no == 0 else f"INGEST{round_no}X")
        batches = [bars[first : first + BATCH] for first in range(0, len(bars), BATCH)]
        posted, service_s = ingest_service(stack, batches, regime_symbol)
        sent = sum(posted)
        service.append(sent / service_s)
        raw.append(sent / ingest_raw(stack, [batch for batch, count in zip(batches, posted, strict=True) if count]))
    fig.value, fig.baseline = statistics.median(service), statistics.median(raw)
    fig.notes.update(
        bars=sent,
        batch=BATCH,
        clients=INGEST_CLIENTS,
        fastapi_workers=fastapi_workers(stack.prod_env),
        rounds_bars_per_s=[round(v) for v in service],
        rounds_insert_many_per_s=[round(v) for v in raw],
    )
    if sent < s.ingest_bars:
        fig.notes["stopped_after_s"] = s.ingest_budget_s
    say(f"  POST /bars: {sent:,} bars at {fig.value:,.0f}/s; insert_many {fig.baseline:,.0f}/s (medians of {s.rounds})")


def ingest_service(
    stack: BenchStack, batches: list[list[dict[str, Any]]], regime_symbol: str
) -> tuple[list[int], float]:
    """POST the batches from INGEST_CLIENTS clients (those past the time budget skipped, except the
    regime symbol's); the bars each sent (0 when skipped) and the seconds it took."""
    import httpx

    url = f"{stack.ports.url('fastapi_market')}/bars"
    headers = {"Authorization": f"Bearer {stack.token}"}
    started = time.perf_counter()

    def post(batch: list[dict[str, Any]], client: httpx.Client) -> int:
        if time.perf_counter() - started > stack.scale.ingest_budget_s and batch[0]["symbol"] != regime_symbol:
            return 0
        response = client.post(url, json={"bars": batch})
        if response.status_code != 200 or response.json()["inserted"] != len(batch):
            raise BenchError(f"POST /bars answered {response.status_code}: {response.text[:300]}")
        return len(batch)

    with httpx.Client(timeout=120, headers=headers) as client:
        posted = concurrently(batches, lambda batch: post(batch, client), INGEST_CLIENTS)
    return posted, time.perf_counter() - started


def ingest_raw(stack: BenchStack, batches: list[list[dict[str, Any]]]) -> float:
    """Seconds to insert_many the bars, one document each, from INGEST_CLIENTS clients into a new collection."""
    from pymongo import MongoClient

    documents = [[bar_document(bar) for bar in batch] for batch in batches]
    with MongoClient[dict[str, Any]](stack.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
        collection = mongo[BENCH_MONGO_DB]["bars_insert_baseline"]
        collection.drop()
        started = time.perf_counter()
        concurrently(documents, lambda docs: collection.insert_many(docs, ordered=False), INGEST_CLIENTS)
        took = time.perf_counter() - started
        collection.drop()
    return took


def p50_ms(url: str, token: str, requests: int = 60) -> float:
    """p50 (ms) of GET ``url`` with ``token`` (production reads need one), one request after another on
    one connection (the first warms it)."""
    import httpx

    times: list[float] = []
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(requests + 1):
            begun = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - begun) * 1000)
            if response.status_code != 200:
                raise BenchError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    return statistics.median(times[1:])


def regime_endpoint(stack: BenchStack, fig: Figure, symbol: str) -> None:
    import numpy as np

    from apps.common.contracts import RegimeParams
    from apps.flask_regime.engine import regimes_detect

    n = stack.scale.regime_bars
    fig.value = p50_ms(f"{stack.ports.url('fastapi_market')}/regime/{symbol}?lookback={n}", stack.token)
    closes = np.array([bar["close"] for bar in bars_generate(n, n)], dtype=float)
    fig.baseline = best_seconds(lambda: regimes_detect(closes, RegimeParams()), 20) * 1000
    fig.notes.update(bars=n)
    say(f"  GET /regime/{symbol}?lookback={n}: p50 {fig.value:.1f} ms")


def regime_markov(stack: BenchStack, fig: Figure) -> None:
    """GET /regime/{symbol}?method=markov over the S&P 500's newest ``regime_bars`` returns, its fit made
    once before (POST /regime/{symbol}/fit), p50: a request that only filters. Beside the filter alone in
    this process on the same returns with the same parameters."""
    import httpx
    import numpy as np

    from apps.common.contracts.market_markov import MarkovMarketRegime
    from apps.flask_regime.markov.hamilton import markov_filter
    from apps.flask_regime.markov.model import MarkovParams
    from scripts.benchmarks.markov import sp500_closes

    n = stack.scale.regime_bars
    days, closes = sp500_closes()
    rows = [
        {"symbol": MARKOV_SYMBOL, "timeframe": "1d", "ts": f"{day.isoformat()}T00:00:00Z", "open": close}
        | {"high": close, "low": close, "close": close, "volume": 0}
        for day, close in zip(days[-(n + 1) :], closes[-(n + 1) :].tolist(), strict=True)
    ]
    post_all(stack, rows)
    url = f"{stack.ports.url('fastapi_market')}/regime/{MARKOV_SYMBOL}"
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {stack.token}"}) as client:
        fitted = client.post(f"{url}/fit")
        if fitted.status_code != 200:
            raise BenchError(f"POST /regime/{MARKOV_SYMBOL}/fit answered {fitted.status_code}: {fitted.text[:300]}")
        fig.value = p50_ms(f"{url}?method=markov", stack.token)
        answer = MarkovMarketRegime.model_validate_json(client.get(f"{url}?method=markov").content)
    if answer.fit.refitted or answer.bars_filtered != n:
        raise BenchError(f"GET /regime/{MARKOV_SYMBOL}?method=markov fitted or filtered {answer.bars_filtered} bars")
    params = MarkovParams(
        transition=np.array(answer.fit.transition),
        mean=np.array([regime.mean_return for regime in answer.regimes]),
        exog=np.zeros((answer.k_regimes, 0)),
        variance=np.array([regime.annual_volatility**2 / answer.periods_per_year for regime in answer.regimes]),
        ar=np.zeros(0),
    )
    returns = np.diff(np.log(closes[-(n + 1) :]))
    fig.baseline = best_seconds(lambda: markov_filter(returns, params), 20) * 1000
    fig.notes.update(bars=n, llf=rounded(answer.fit.llf))
    say(f"  GET /regime/{MARKOV_SYMBOL}?method=markov over {n:,} returns, fitted: p50 {fig.value:.1f} ms")


def read_load(stack: BenchStack, pages: Figure, regimes: Figure, symbol: str) -> None:
    """wrk at READ_LOAD_CONNECTIONS connections with a 10 s client timeout on a page of bars and on a regime."""
    base = stack.ports.url("fastapi_market")
    for fig, url in ((pages, f"{base}/bars/{symbol}?limit=100"), (regimes, f"{base}/regime/{symbol}")):
        load = wrk(
            url,
            stack.scale.read_load_s,
            connections=READ_LOAD_CONNECTIONS,
            timeout_s=10,
            allow_none=True,
            token=stack.token,
        )
        fig.value = load.rps
        fig.notes.update(
            timeouts=load.timeouts,
            non_2xx=load.non_2xx,
            requests=load.requests,
            p50_ms=rounded(load.p50_ms),
            p99_ms=rounded(load.p99_ms),
        )


def minute_bars(first: int, count: int, symbol: str = LONG_SYMBOL) -> list[dict[str, Any]]:
    """Bars number ``first`` to ``first + count`` of a made-up 1-minute series, round the clock."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(first, first + count):
        close = round(100 + (n % 1440) * 0.01 + (n // 1440) * 0.05, 4)
        ts = (start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = {"open": close, "high": close + 0.05, "low": close - 0.05, "close": close, "volume": 100 + n % 50}
        rows.append({"symbol": symbol, "timeframe": "1m", "ts": ts, **row})
    return rows


def series_reads(stack: BenchStack, length: int) -> dict[str, float]:
    """p50 ms of the first page of 100, the newest page of 100 and GET /regime over regime_bars, of
    the long series at ``length`` bars."""
    base, n = stack.ports.url("fastapi_market"), stack.scale.regime_bars
    newest_first = minute_bars(length - 100, 1)[0]["ts"]
    reads = {
        "first_page": f"{base}/bars/{LONG_SYMBOL}?timeframe=1m&limit=100",
        "newest_page": f"{base}/bars/{LONG_SYMBOL}?timeframe=1m&limit=100&start={newest_first}",
        "regime": f"{base}/regime/{LONG_SYMBOL}?timeframe=1m&lookback={n}",
    }
    return {name: p50_ms(url, stack.token) for name, url in reads.items()}


def page_through(stack: BenchStack, length: int) -> tuple[float, list[float]]:
    """Seconds to read the long series whole, 1,000 bars a page; and each page's ms."""
    import httpx

    url = f"{stack.ports.url('fastapi_market')}/bars/{LONG_SYMBOL}"
    times: list[float] = []
    after, read = None, 0
    started = time.perf_counter()
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {stack.token}"}) as client:
        while True:
            begun = time.perf_counter()
            page = client.get(url, params={"timeframe": "1m", "limit": 1000, **({"after": after} if after else {})})
            times.append((time.perf_counter() - begun) * 1000)
            body = page.json()
            read += len(body["bars"])
            after = body["next_after"]
            if after is None:
                break
    if read != length:
        raise BenchError(f"paging through {LONG_SYMBOL} read {read:,} bars of {length:,}")
    return time.perf_counter() - started, times


def series_length(stack: BenchStack, f: dict[str, Figure]) -> None:
    """Grow one 1-minute series through POST /bars; time its reads short and long, then read it whole."""
    s = stack.scale
    grown = 0

    def grow_to(length: int, say_it: Callable[[str], None] = say) -> None:
        nonlocal grown
        post_all(stack, minute_bars(grown, length - grown))
        grown = length
        say_it(f"  {LONG_SYMBOL}: {grown:,} bars of 1 minute")

    grow_to(s.short_series)
    short = series_reads(stack, s.short_series)
    grow_to(s.long_series)
    long = series_reads(stack, s.long_series)
    ratios = {name: long[name] / short[name] for name in short}
    scaling = f["series_length_scaling"]
    scaling.value = max(ratios.values())
    scaling.notes.update(
        {f"{name}_ratio": rounded(ratio) for name, ratio in ratios.items()},
        short_bars=s.short_series,
        long_bars=s.long_series,
        short_p50_ms={name: rounded(ms) for name, ms in short.items()},
        long_p50_ms={name: rounded(ms) for name, ms in long.items()},
    )
    f["series_page_ms"].value, f["series_page_ms"].baseline = long["first_page"], short["first_page"]
    f["series_regime_ms"].value, f["series_regime_ms"].baseline = long["regime"], short["regime"]
    say(f"  short {short}; long {long}")
    grow_to(s.page_through_bars)
    total_s, pages = page_through(stack, s.page_through_bars)
    tenths = [part for k in range(10) if (part := pages[len(pages) * k // 10 : len(pages) * (k + 1) // 10])]
    medians = [statistics.median(tenth) for tenth in tenths]
    fig = f["series_page_through_ms"]
    # Linear when a page at the end costs what a page at the start does; medians, so that a pause of
    # the machine in one stretch of the read is not taken for growth.
    fig.value, fig.baseline = medians[-1], medians[0]
    fig.notes.update(bars=s.page_through_bars, pages=len(pages), total_s=rounded(total_s))
    fig.notes.update(
        tenth_median_ms=[rounded(ms) for ms in medians],
        total_vs_first_tenth=rounded(total_s * 1000 / len(pages) / statistics.fmean(tenths[0])),
    )
    say(
        f"  paged through {s.page_through_bars:,} bars in {total_s:.1f} s "
        f"({len(pages)} pages, median ms by tenth: {', '.join(f'{ms:.1f}' for ms in medians)})"
    )


def series_list(stack: BenchStack, fig: Figure, symbol: str) -> None:
    """GET /series once series_count series are stored (a few daily bars each, one batch per 1,000)."""
    s = stack.scale
    rows = [bar for n in range(s.series_count) for bar in bars_generate(3, 3, f"LIST{n}X")]
    post_all(stack, rows, batch=3_000)
    fig.value, fig.baseline, notes = bench_dashboard.series_summary_ms(
        stack.ports.url("fastapi_market"), symbol, stack.token
    )
    fig.notes.update(notes)


def adjusted_reads(stack: BenchStack, fig: Figure, symbol: str) -> None:
    """GET /bars (a page of 100) and GET /regime over regime_bars, adjusted for a split and a dividend
    a quarter, beside the same reads of the prices as stored."""
    import httpx

    n = stack.scale.regime_bars
    days = [bar["ts"][:10] for bar in bars_generate(n, n)]
    actions = [{"symbol": symbol, "type": "split", "ex_date": days[n // 2], "ratio": 2}]
    actions += [{"symbol": symbol, "type": "dividend", "ex_date": day, "amount": 0.1} for day in days[63::63]]
    headers = {"Authorization": f"Bearer {stack.token}"}
    url = stack.ports.url("fastapi_market")
    httpx.post(f"{url}/actions", json={"actions": actions}, headers=headers, timeout=60).raise_for_status()
    reads = {"page": f"{url}/bars/{symbol}?limit=100", "regime": f"{url}/regime/{symbol}?lookback={n}"}
    p50 = {
        (name, adjust): p50_ms(f"{read}&adjust={adjust}", stack.token)
        for name, read in reads.items()
        for adjust in ("none", "all")
    }
    ratios = {name: p50[(name, "all")] / p50[(name, "none")] for name in reads}
    fig.value = max(ratios.values())
    fig.notes.update({f"{name}_ratio": rounded(ratio) for name, ratio in ratios.items()}, actions=len(actions))
    fig.notes.update({f"{name}_{adjust}_p50_ms": rounded(ms) for (name, adjust), ms in p50.items()})
    say(f"  adjusted ÷ raw: page {ratios['page']:.2f}, regime {ratios['regime']:.2f} ({len(actions)} actions)")


def measure_market(stack: BenchStack, f: dict[str, Figure], symbol: str) -> None:
    """The figures of fastapi_market and its store, in order: each one's data is the last one's."""
    s = stack.scale
    say(f"ingest: up to {s.ingest_bars:,} bars through POST /bars (at most ~{s.ingest_budget_s:g} s)")
    ingest(stack, f["ingest_bars_per_s"], symbol)
    say(f"regime endpoint: GET /regime/{symbol} over {s.regime_bars:,} bars")
    regime_endpoint(stack, f["regime_endpoint_p50_ms"], symbol)
    say(f"markov regime: GET /regime/{MARKOV_SYMBOL}?method=markov over {s.regime_bars:,} bars, fitted once before")
    regime_markov(stack, f["regime_markov_ms"])
    say("read load: GET /bars and GET /regime under wrk")
    read_load(stack, f["read_load_pages_rps"], f["read_load_regime_rps"], symbol)
    say(f"series length: one 1-minute series at {s.short_series:,}, {s.long_series:,}, then {s.page_through_bars:,}")
    series_length(stack, f)
    say(f"adjusted reads: {symbol}'s page and regime adjusted for a split and quarterly dividends, and not")
    adjusted_reads(stack, f["adjusted_read_ratio"], symbol)
    say(f"series list: GET /series with {s.series_count:,} more series")
    series_list(stack, f["series_summary_ms"], symbol)
