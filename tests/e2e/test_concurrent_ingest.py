"""Nothing lost under concurrency (issue 6, scenario 5): 8 writers post 20,000 bars, 30% of them
duplicates of other writers' bars, with random client retries; MongoDB ends with exactly the unique
set and every response's counts add up."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest

from apps.common.contracts import SeriesList
from apps.fastapi_market.settings import load_settings as market_settings
from tests import http_client
from tests.ingest import COUNT_FIELDS, counts_add_up, make_bars, post_bars, read_back, stored_bars, unique_set
from tests.stack import wait_until

WRITERS = 8
BARS_SENT = 20_000
DUPLICATE_SHARE = 0.3
BATCH = 1000
EARLY_TIMEOUT_S = 0.05  # a client that gives up before the answer, then sends the batch again
OWN = int(BARS_SENT / WRITERS * (1 - DUPLICATE_SHARE))  # 1,750 bars only this writer makes


def writer_plans(rng: random.Random) -> tuple[list[list[dict]], list[str]]:
    """Each writer's bars: its own, plus duplicates of other writers' bars, shuffled."""
    symbols = [f"CONC.W{n}" for n in range(WRITERS)]
    own = [make_bars(symbol, OWN) for symbol in symbols]
    plans = []
    for n in range(WRITERS):
        others = [bar for m, bars in enumerate(own) if m != n for bar in bars]
        plan = own[n] + rng.sample(others, BARS_SENT // WRITERS - OWN)
        rng.shuffle(plan)
        plans.append(plan)
    return plans, symbols


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.reports: list[tuple[int, dict]] = []
        self.retries = 0
        self.client_timeouts = 0

    def add(self, sent: int, report: dict) -> None:
        with self.lock:
            self.reports.append((sent, report))


def write(plan: list[dict], seed: int, market: str, tally: Tally) -> None:
    rng = random.Random(seed)
    with httpx.Client() as client:
        for start in range(0, len(plan), BATCH):
            batch = plan[start : start + BATCH]
            if rng.random() < 0.2:  # give up early, as a client with a short timeout would
                try:
                    response = post_bars(market, batch, client, timeout=EARLY_TIMEOUT_S)
                    tally.add(len(batch), response.json())
                except httpx.TimeoutException:
                    with tally.lock:
                        tally.client_timeouts += 1
                with tally.lock:
                    tally.retries += 1
            attempts = 2 if rng.random() < 0.15 else 1  # the answer was lost: send it again
            for _ in range(attempts):
                response = post_bars(market, batch, client)
                assert response.status_code == 200, response.text
                tally.add(len(batch), response.json())
            with tally.lock:
                tally.retries += attempts - 1


@pytest.fixture
def market(separate) -> str:
    """FastAPI on a fresh MongoDB of its own, so that its counts are this test's alone."""
    separate.start("mongo", fresh=True)
    separate.wait_listening("mongo")
    separate.start("fastapi_market")
    wait_until(lambda: separate.healthy("fastapi_market"), 60, "fastapi_market /health = 200")
    return separate.url("fastapi_market")


def test_eight_writers_with_duplicates_and_retries_store_exactly_the_unique_set(separate, market):
    plans, symbols = writer_plans(random.Random(5))
    assert sum(len(plan) for plan in plans) == BARS_SENT
    expected = unique_set([bar for plan in plans for bar in plan])
    assert len(expected) == WRITERS * OWN

    tally = Tally()
    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(write, plan, n, market, tally) for n, plan in enumerate(plans)]:
            future.result()

    assert all(counts_add_up(report, sent) for sent, report in tally.reports)
    totals = {name: sum(report[name] for _, report in tally.reports) for name in COUNT_FIELDS}
    assert totals["rejected"] == 0 and totals["updated"] == 0  # duplicates carry the same values
    # Bars inserted by a request whose answer the client gave up on are not in these totals.
    assert totals["inserted"] <= len(expected)
    if tally.client_timeouts == 0:
        assert totals["inserted"] == len(expected)
    assert stored_bars(separate.env["MONGO_URL"], market_settings("test").mongo.database, symbols) == expected
    assert read_back(market, symbols) == expected  # what readers get through the service is exactly that too
    uvicorn = psutil.Process(separate.processes["fastapi_market"].pid)
    workers = [child for child in uvicorn.children() if "multiprocessing" in " ".join(child.cmdline())]
    assert len(workers) >= 2  # the writes went through at least two uvicorn workers
    # The store's per-series summary counts each stored bar once, whoever inserted it.
    listed = SeriesList.model_validate_json(http_client.get(f"{market}/series", timeout=30).content).series
    summaries = {summary.symbol: summary for summary in listed}
    for symbol in symbols:
        times = sorted(ts for (sym, _, ts) in expected if sym == symbol)
        summary = summaries[symbol]
        assert (summary.bars, summary.first_ts, summary.last_ts) == (OWN, times[0], times[-1])
    print(
        f"\nscenario 5: {len(expected)} unique bars stored of {BARS_SENT} sent by {WRITERS} writers; "
        f"responses: {len(tally.reports)}, totals {totals}; retries {tally.retries} "
        f"({tally.client_timeouts} after a client-side timeout)"
    )
