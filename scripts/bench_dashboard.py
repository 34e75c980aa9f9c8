"""The dashboard's figures for scripts/bench.py: the series-summary query and the chart's draw time.

    python -m scripts.bench_dashboard [--django-url URL] [--market-url URL] [--bars 3000]

``series_summary_ms`` times fastapi_market's ``GET /series`` (the store's catalog of every series)
beside what it spares a reader: counting one series' bars by reading it whole through ``GET /bars``.
``chart_draw_ms`` registers an instrument with 3,000 daily bars through the public APIs, opens its
page in Debian's chromium and reads the time the page measured from the chart's data in hand to the
chart drawn, beside a bare uPlot line of as many points in the same page. scripts/bench.py calls
both on its own stack; run alone, this measures the stack the config points at (``make run``) and
writes the instrument BENCHCHART and its bars there. Results on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts.benchmarks.figures import say

CHART_SYMBOL = "BENCHCHART"
# A bare uPlot line of `count` points in the page that already loaded uPlot: ms from start to drawn.
_BARE_DRAW = """async (count) => {
    const box = document.createElement("div");
    box.style.width = "1100px";
    document.body.appendChild(box);
    const time = Array.from({length: count}, (_, i) => 946684800 + i * 86400);
    const close = Array.from({length: count}, (_, i) => 100 + Math.sin(i / 40) * 10);
    const started = performance.now();
    const drawn = await new Promise((resolve) => {
        new uPlot({width: 1100, height: 360, scales: {x: {time: true}}, legend: {show: false},
                   series: [{}, {stroke: "#1d4ed8", points: {show: false}}],
                   hooks: {draw: [() => resolve(performance.now())]}}, [time, close], box);
    });
    box.remove();
    return drawn - started;
}"""


def series_summary_ms(
    market_url: str, symbol: str, token: str, timeframe: str = "1d", requests: int = 20
) -> tuple[float, float, dict[str, Any]]:
    """p50 ms of ``GET /series``; and the baseline: ms to count ``symbol``'s bars and find its newest
    by reading the series whole (``GET /bars`` page after page: what the summary spares a reader). Every
    read carries ``token`` (a production read needs one)."""
    import httpx

    times = []
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        client.get(f"{market_url}/series").raise_for_status()  # warms the connection
        for _ in range(requests):
            started = time.perf_counter()
            answer = client.get(f"{market_url}/series")
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
        started = time.perf_counter()
        count, after, newest = 0, None, None
        while True:
            params: dict[str, str | int] = {
                "timeframe": timeframe,
                "limit": 1000,
                **({"after": after} if after else {}),
            }
            page = client.get(f"{market_url}/bars/{symbol}", params=params).json()
            count, newest = count + len(page["bars"]), page["bars"][-1]["ts"] if page["bars"] else newest
            if (after := page["next_after"]) is None:
                break
        baseline = (time.perf_counter() - started) * 1000
    listed = {(s["symbol"], s["timeframe"]): s for s in answer.json()["series"]}
    summary = listed.get((symbol, timeframe))
    if summary is None or summary["bars"] != count:
        raise RuntimeError(f"GET /series says {summary and summary['bars']} bars of {symbol}, its pages hold {count}")
    p50 = statistics.median(times)
    say(
        f"  GET /series: {len(listed)} series, p50 {p50:.1f} ms; "
        f"reading {symbol} whole ({count:,} bars): {baseline:.0f} ms"
    )
    return p50, baseline, {"series": len(listed), "requests": requests, "baseline_bars": count, "newest_bar": newest}


def chart_bars(count: int, symbol: str = CHART_SYMBOL) -> list[dict[str, Any]]:
    """``count`` daily bars of a gentle made-up walk, as POST /bars rows."""
    first = datetime(2000, 1, 3, tzinfo=UTC)
    rows = []
    for day in range(count):
        close = round(100 * (1 + 0.3 * ((day % 400) / 400)) + day * 0.02, 4)
        rows.append(
            {
                "symbol": symbol,
                "timeframe": "1d",
                "ts": (first + timedelta(days=day)).isoformat(),
                "open": close,
                "high": close * 1.01,
                "low": close * 0.99,
                "close": close,
                "volume": 1000 + day,
            }
        )
    return rows


def chart_register(django_url: str, market_url: str, token: str, count: int) -> None:
    """The instrument and its bars through the public APIs (again: no change)."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=300) as client:
        if client.get(f"{django_url}/api/instruments/{CHART_SYMBOL}/").status_code == 404:
            created = client.post(
                f"{django_url}/api/instruments/",
                json={"symbol": CHART_SYMBOL, "name": "Bench chart", "asset_class": "other"},
            )
            created.raise_for_status()
        rows = chart_bars(count)
        for start in range(0, count, 1000):
            client.post(f"{market_url}/bars", json={"bars": rows[start : start + 1000]}).raise_for_status()


def chart_draw_ms(
    django_url: str, market_url: str, token: str, count: int = 3000
) -> tuple[float, float, dict[str, Any]]:
    """ms the detail page takes to draw ``count`` daily bars with their regime bands once their data is
    in hand (the page's own measure); and the baseline: a bare uPlot line of as many points, same page."""
    from playwright.sync_api import sync_playwright

    from scripts.screenshot import chromium_launch

    chart_register(django_url, market_url, token, count)
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{django_url}/instruments/{CHART_SYMBOL}/")
            page.wait_for_selector('#chart[data-state="drawn"]', timeout=600_000)
            drawn = page.eval_on_selector("#chart", "element => ({...element.dataset})")
            bare = min(page.evaluate(_BARE_DRAW, count) for _ in range(3))
        finally:
            browser.close()
    if int(drawn["points"]) != count:
        raise RuntimeError(f"the chart drew {drawn['points']} points of {count} bars")
    value = float(drawn["drawMs"])
    say(
        f"  chart of {count:,} bars: drawn {value:.1f} ms after its data arrived ({float(drawn['readyMs']):,.0f} ms "
        f"after navigation); a bare uPlot line {bare:.1f} ms"
    )
    return (
        value,
        bare,
        {
            "bars": count,
            "ready_ms": round(float(drawn["readyMs"]), 1),
            "trend_bands": int(drawn["trendBands"]),
            "volatility_bands": int(drawn["volatilityBands"]),
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_dashboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--django-url", help="django_core (default: from config/)")
    parser.add_argument("--market-url", help="fastapi_market (default: from config/)")
    parser.add_argument("--bars", type=int, default=3000, help="daily bars on the chart (default 3000)")
    args = parser.parse_args(argv)
    from apps.common.config import ConfigError, load_common

    try:
        common = load_common("bench_dashboard")  # the operator's token: it registers an instrument and its bars
        market_url = args.market_url or common.fastapi_market_url
        draw = chart_draw_ms(args.django_url or common.django_core_url, market_url, common.tokens.own, args.bars)
        summary = series_summary_ms(market_url, CHART_SYMBOL, common.tokens.own)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception as exc:  # a bench reports what stopped it, in one line
        print(f"bench: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "chart_draw_ms": {"value": draw[0], "baseline": draw[1], **draw[2]},
                "series_summary_ms": {"value": summary[0], "baseline": summary[1], **summary[2]},
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
