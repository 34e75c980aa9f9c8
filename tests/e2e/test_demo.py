"""End to end: the sample data through the public APIs, regimes refreshed, snapshots read back."""

import re
import subprocess

from scripts.stack_processes import run_module
from tests import http_client
from tests.stack import clean_env


def load(*args: str) -> subprocess.CompletedProcess:
    return run_module("scripts.load_sample_data", clean_env(COLUMNS="200"), 900, *args)


def test_sample_data_to_regime_snapshots_and_idempotent(test_stack, test_urls):
    first = load()
    assert first.returncode == 0, first.stdout + first.stderr
    for symbol, bars in (("AAPL", 3270), ("GOOG", 2148), ("IBM", 3270), ("MSFT", 3270)):
        # Every bar stored, none refused; the shared stack may hold a bar of the schema's example (AAPL
        # on 2013-03-01) from a test that ran before on this worker, so it is counted, not assumed new.
        found = re.search(
            rf"{symbol}: (?:registered|already registered); bars (\d+) inserted, (\d+) updated, (\d+) unchanged, "
            r"0 rejected",
            first.stderr,
        )
        assert found and sum(map(int, found.groups())) == bars, first.stderr
        summary = http_client.get(f"{test_urls['fastapi_market']}/series/{symbol}", timeout=10).json()
        assert summary["bars"] == bars, summary
    assert "4 instruments: 4 recorded, 0 unchanged, 0 failed" in first.stderr

    snapshots = http_client.get(
        f"{test_urls['django_core']}/api/snapshots/", params={"page_size": 50}, timeout=10
    ).json()
    latest = {s["symbol"]: s for s in snapshots["results"]}
    assert set(latest) == {"AAPL", "GOOG", "IBM", "MSFT"}
    for snapshot in latest.values():
        assert snapshot["as_of"].startswith("2013-03-01")
        assert snapshot["trend"] in {"bull", "bear", "sideways"}
        assert snapshot["volatility"] in {"low", "normal", "high"}
        assert set(snapshot["features"]) == {"sma_fast", "sma_slow", "trend_spread", "annual_volatility"}
    market = http_client.get(f"{test_urls['fastapi_market']}/regime/IBM", timeout=10).json()
    assert (market["trend"], market["volatility"]) == (latest["IBM"]["trend"], latest["IBM"]["volatility"])

    again = load()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "IBM: already registered; bars 0 inserted, 0 updated, 3270 unchanged, 0 rejected" in again.stderr
    assert "4 instruments: 0 recorded, 4 unchanged, 0 failed" in again.stderr
    count = http_client.get(f"{test_urls['django_core']}/api/snapshots/", timeout=10).json()["count"]
    assert count == snapshots["count"]
