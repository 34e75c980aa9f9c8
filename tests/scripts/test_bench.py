"""scripts/bench.py --quick: every figure measured, as JSON of the promised shape (never timings)."""

import json
import re
import subprocess

import pytest

from apps.common.config import REPO_ROOT
from scripts import bench
from scripts.benchmarks import engine, load
from scripts.stack_processes import run_module
from tests.stack import clean_env, port_is_free

KEYS = {
    "stack_ready",
    "relay_rps",
    "relay_vs_naive",
    "relay_p99_added_ms",
    "ingest_bars_per_s",
    "regime_engine_bars_per_s",
    "markov_fit_s",
    "markov_filter_1m_ms",
    "markov_filter_1m_k3_ms",
    "regime_endpoint_p50_ms",
    "regime_markov_ms",
    "series_length_scaling",
    "series_page_ms",
    "series_regime_ms",
    "series_page_through_ms",
    "adjusted_read_ratio",
    "read_load_pages_rps",
    "read_load_regime_rps",
    "smoke_s",
    "frozen_flask_503_ms",
    "stack_stop_s",
    "idle_rss_mb",
    "series_summary_ms",
    "services_poll_calls",
    "chart_draw_ms",
}
NO_BASELINE = {"relay_p99_added_ms", "read_load_pages_rps", "read_load_regime_rps"}


def positive(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@pytest.mark.timeout(900)  # the run's own limit (600 s) and a margin: it starts its servers and two stacks
def test_quick_run_writes_every_figure_with_value_baseline_ratio_goal_met(tmp_path):
    out = tmp_path / "bench.json"
    result = run_module("scripts.bench", clean_env(COLUMNS="160"), 600, "--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())
    servers = figures.pop("servers")  # the servers it measured, named
    assert servers["mongodb"] == "FerretDB 1.24.1 + PostgreSQL" and servers["mysql"].startswith("MariaDB ")
    assert f"on {servers['mysql']} and {servers['mongodb']}" in " ".join(result.stdout.split())
    assert set(figures) == KEYS
    for key, entry in figures.items():
        assert {"value", "baseline", "ratio", "goal", "met"} <= set(entry), key
        assert isinstance(entry["goal"], str), key
        assert isinstance(entry["met"], bool), key
        if key == "relay_p99_added_ms":  # a difference of two p99s: any sign, no baseline
            assert isinstance(entry["value"], float) and entry["baseline"] is None and entry["ratio"] is None
        elif key == "series_length_scaling":  # itself the largest of three ratios, each named
            assert positive(entry["value"]) and entry["baseline"] is None
            assert all(positive(entry[f"{read}_ratio"]) for read in ("first_page", "newest_page", "regime"))
        elif key == "adjusted_read_ratio":  # the larger of two ratios, each named
            assert positive(entry["value"]) and entry["baseline"] is None
            assert positive(entry["page_ratio"]) and positive(entry["regime_ratio"])
        elif key in NO_BASELINE:  # a load: req/s, with its timeouts and 5xx counted
            assert positive(entry["value"]) and {"timeouts", "non_2xx"} <= set(entry), key
        else:
            assert positive(entry["value"]) and positive(entry["baseline"]) and positive(entry["ratio"]), key
    for key in ("stack_ready", "relay_rps", "smoke_s", "idle_rss_mb"):  # the dev profile beside
        assert positive(figures[key]["dev"]["value"]), key
    for key in KEYS:  # the table on stdout names every figure
        assert key in result.stdout
    # Its private servers' throw-away data is gone, and nothing listens on their ports any more.
    mysql_port, mongo_port = map(int, re.search(r"MariaDB :(\d+) and MongoDB :(\d+)", result.stderr).groups())
    assert not list((REPO_ROOT / ".var" / "test").glob(f"*-{mysql_port}*"))
    assert not list((REPO_ROOT / ".var" / "test").glob(f"*-{mongo_port}*"))
    assert port_is_free(mysql_port) and port_is_free(mongo_port)


def test_plain_python_loop_computes_the_same_regimes_as_the_engine():
    import numpy as np

    from apps.common.contracts import RegimeParams
    from apps.flask_regime.engine import regimes_detect

    params = RegimeParams()
    closes = engine.closes_random_walk(2_000)
    trends, vols = engine.regimes_python_loop(closes, params)
    series = regimes_detect(np.array(closes), params)
    assert list(series.trend) == trends
    assert list(series.volatility) == vols


def test_wrk_output_is_read_in_milliseconds(monkeypatch):
    output = """Running 1s test @ http://127.0.0.1:1/health
  2 threads and 32 connections
  Latency Distribution
     50%  635.00us
     75%  712.00us
     90%    1.00ms
     99%    2.50ms
  2246 requests in 1.00s, 3.27MB read
  Non-2xx or 3xx responses: 5
Requests/sec:   2246.41
"""
    monkeypatch.setattr(
        load.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=output, stderr="")
    )
    result = load.wrk("http://127.0.0.1:1/health", 1)
    assert (result.rps, result.p50_ms, result.p99_ms, result.requests, result.bad) == (2246.41, 0.635, 2.5, 2246, 5)


def test_an_unknown_flag_is_one_clear_error(capsys):
    with pytest.raises(SystemExit) as exited:
        bench.main(["--fast"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --fast" in capsys.readouterr().err
