"""Faults under a running stack (issue 6, scenarios 2, 3 and 6), its processes started separately.

A database stopped, Flask killed, FastAPI stopped in the middle of an ingest: each answers as it
should while the fault lasts and recovers by itself once the process is back.
"""

import signal
import threading
import time

import httpx
import pytest

from apps.common.contracts import RegimeParams
from apps.django_core.env import load_settings as django_settings
from apps.fastapi_market.settings import load_settings as market_settings
from tests import http_client
from tests.deadlines import within_promise
from tests.ingest import BatchLog, counts_add_up, make_bars, post_bars, stored_bars, unique_set
from tests.problem_checks import assert_problem
from tests.stack import TOKEN, wait_until

MYSQL_TIMEOUT_S = django_settings("test").mysql_connect_timeout
MONGO_TIMEOUT_S = market_settings("test").mongo_timeout_ms / 1000
REGIME_CONNECT_TIMEOUT_S = market_settings("test").regime_connect_timeout
REGIME_SYMBOL = "FLT.REGIME"


def timed(method: str, url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http_client.request(method, url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def health(url: str) -> tuple[int, dict]:
    response = http_client.get(url, timeout=30)
    return response.status_code, response.json()


@pytest.fixture
def stack(separate_stack):
    separate_stack.ensure_up()
    return separate_stack


def test_mysql_lost_and_back(stack):
    django = stack.url("django_core")
    assert http_client.get(f"{django}/api/instruments/", timeout=10).status_code == 200
    stack.stop("mysql")

    status, body = health(stack.health["django_core"])  # the first check after the loss says so
    assert (status, body["failing"]) == (503, ["mysql"])
    for method, path, kwargs in [
        ("GET", "/api/instruments/", {}),
        ("GET", "/api/snapshots/", {}),
        (
            "POST",
            "/api/instruments/",
            {"headers": TOKEN, "json": {"symbol": "FLT", "name": "Fault", "asset_class": "equity"}},
        ),
    ]:
        response, took = timed(method, f"{django}{path}", **kwargs)
        assert "MySQL is unavailable" in assert_problem(response, 503)["detail"]
        assert took < within_promise(MYSQL_TIMEOUT_S), f"{method} {path} took {took:.1f} s"
    assert stack.healthy("fastapi_market", "flask_regime")  # the others do not depend on MySQL

    stack.start("mysql")
    took = wait_until(lambda: stack.healthy("django_core"), 60, "django_core /health/ = 200", interval=0.1)
    print(f"\nscenario 2: django_core healthy {took:.2f} s after MySQL was restarted")
    assert http_client.get(f"{django}/api/instruments/", timeout=10).status_code == 200


def test_mongodb_lost_and_back(stack):
    market = stack.url("fastapi_market")
    bars = make_bars("FLT.MONGO", 10)
    assert post_bars(market, bars).status_code == 200
    stack.stop("mongo")

    status, body = health(stack.health["fastapi_market"])
    assert (status, body["failing"]) == (503, ["mongodb"])
    for method, path, kwargs in [
        ("GET", "/bars/FLT.MONGO", {}),
        ("GET", "/regime/FLT.MONGO", {}),
        ("POST", "/bars", {"headers": TOKEN, "json": {"bars": bars}}),
    ]:
        response, took = timed(method, f"{market}{path}", **kwargs)
        assert "MongoDB is unavailable" in assert_problem(response, 503)["detail"]
        assert took < within_promise(MONGO_TIMEOUT_S), f"{method} {path} took {took:.1f} s"
    assert stack.healthy("django_core", "flask_regime")

    stack.start("mongo")
    took = wait_until(lambda: stack.healthy("fastapi_market"), 60, "fastapi_market /health = 200", interval=0.1)
    print(f"\nscenario 2: fastapi_market healthy {took:.2f} s after MongoDB was restarted")
    assert http_client.get(f"{market}/bars/FLT.MONGO", timeout=10).json()["bars"][0]["close"] == bars[0]["close"]


def test_flask_killed_and_back(stack):
    market = stack.url("fastapi_market")
    post_bars(market, make_bars(REGIME_SYMBOL, RegimeParams().min_closes)).raise_for_status()
    regime_url = f"{market}/regime/{REGIME_SYMBOL}"
    assert http_client.get(regime_url, timeout=10).status_code == 200
    market_pid = stack.processes["fastapi_market"].pid
    stack.stop("flask_regime", signal.SIGKILL)

    for url in (f"{market}/check-regime", regime_url):
        response, took = timed("GET", url)
        assert "flask_regime is unreachable" in assert_problem(response, 503)["detail"]
        assert took < within_promise(REGIME_CONNECT_TIMEOUT_S), f"{url} took {took:.2f} s"
    # FastAPI keeps serving everything else.
    assert stack.healthy("fastapi_market")
    assert http_client.get(f"{market}/bars/{REGIME_SYMBOL}", params={"limit": 5}, timeout=10).status_code == 200

    stack.start("flask_regime")
    took = wait_until(
        lambda: http_client.get(regime_url, timeout=10).status_code == 200, 30, "/regime back", interval=0.1
    )
    print(f"\nscenario 3: /regime/{{symbol}} answering 200 {took:.2f} s after Flask was restarted")
    assert http_client.get(f"{market}/check-regime", timeout=10).json() == {"status": "flask_regime running"}
    assert stack.processes["fastapi_market"].pid == market_pid and stack.running("fastapi_market")


def test_sigterm_to_fastapi_mid_ingest_loses_no_acknowledged_bar(stack):
    market = stack.url("fastapi_market")
    symbols = ["FLT.TERM"]
    # Far more batches than can be acknowledged between the fourth acknowledgement and SIGTERM, on
    # any machine: 10 batches once all finished in that gap on an idle one. After the stop, each
    # remaining batch is refused at once, so a long tail costs little.
    bars = make_bars(symbols[0], 20_000)
    batches = [bars[i : i + 200] for i in range(0, len(bars), 200)]
    log = BatchLog()
    acknowledged_four = threading.Event()

    def ingest() -> None:
        with httpx.Client() as client:
            for batch in batches:
                try:
                    response = post_bars(market, batch, client, timeout=30)
                except httpx.HTTPError:
                    response = None
                log.record(batch, response)
                if len(log.acknowledged) >= 4:
                    acknowledged_four.set()

    writer = threading.Thread(target=ingest)
    writer.start()
    assert acknowledged_four.wait(60), "four batches were not acknowledged in 60 s"
    stack.stop("fastapi_market", signal.SIGTERM)
    writer.join(120)
    assert log.unacknowledged, "the ingest finished before SIGTERM: nothing was interrupted"
    assert all(counts_add_up(report, len(batch)) for batch, report in log.acknowledged)

    stack.start("fastapi_market")
    wait_until(lambda: stack.healthy("fastapi_market"), 30, "fastapi_market back")
    mongo = market_settings("test").mongo
    stored = stored_bars(stack.env["MONGO_URL"], mongo.database, symbols)
    acknowledged = unique_set(log.acknowledged_bars())
    assert {key: stored.get(key) for key in acknowledged} == acknowledged, "an acknowledged bar was lost"

    with httpx.Client() as client:  # the batches never acknowledged, sent again
        for batch in log.unacknowledged:
            report = post_bars(market, batch, client).json()
            assert counts_add_up(report, len(batch)) and report["rejected"] == 0
    sent = unique_set([bar for batch in batches for bar in batch])
    assert stored_bars(stack.env["MONGO_URL"], mongo.database, symbols) == sent
    print(
        f"\nscenario 6: {len(log.acknowledged)} batches acknowledged before/while stopping, "
        f"{len(log.unacknowledged)} re-sent; {len(sent)} bars stored, the unique set"
    )
