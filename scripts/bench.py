"""Benchmark the platform: every figure beside its ceiling, measured in the same run.

    python -m scripts.bench [--quick] [--json PATH] [--no-dev]

Starts its own MariaDB and FerretDB/mongod (throw-away data under .var/test/) and the three
services on free ports, as the production profile runs them (deploy/Procfile.prod: gunicorn for
django_core and flask_regime, uvicorn for fastapi_market, worker counts from config/) and then as
the dev profile does (Procfile), so it runs beside a dev stack and leaves its data alone. Load
comes from `wrk` (a separate process; installed from Debian by scripts/system_packages.py).
Prints a table (figure, value, baseline, ratio, goal, met?, dev) on stdout; --json writes the same.
Progress goes to stderr. Exit code 0 when every figure was measured (goals may be missed), 1 when
the bench could not run. --quick is a scaled-down run (seconds, not minutes) that keeps it working.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apps.common.config import CONFIG_DIR, REPO_ROOT
from scripts import process_groups
from scripts import bench_dashboard

PROD_PROCFILE = REPO_ROOT / "deploy" / "Procfile.prod"
DEV_PROCFILE = REPO_ROOT / "Procfile"
VENV_BIN = Path(sys.executable).parent
SERVICES = ("django_core", "fastapi_market", "flask_regime")
HEALTH_PATHS = {"django_core": "/health/", "fastapi_market": "/health", "flask_regime": "/health"}
BENCH_MONGO_DB = "aetherion_bench"
CONNECTIONS = 32


class BenchError(Exception):
    """The bench cannot go on; the message says why."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Scale:
    """How much of everything one run measures."""

    load_s: int  # seconds of wrk per throughput figure
    latency_s: int  # seconds of wrk at one connection per latency figure
    ingest_bars: int  # bars to send through POST /bars (stops early at ingest_budget_s)
    ingest_budget_s: float
    regime_bars: int  # daily bars of the symbol GET /regime/{symbol} reads
    engine_closes: int
    loop_closes: int
    rounds: int  # interleaved rounds of the relay figures (each keeps its best)
    large_bars: int  # bars stored for the scaling figures (filled with raw insert_many)
    read_load_s: int  # seconds of wrk per read-load figure


FULL = Scale(load_s=4, latency_s=3, ingest_bars=105_000, ingest_budget_s=90, regime_bars=5_000,
             engine_closes=1_000_000, loop_closes=100_000, rounds=3, large_bars=1_000_000, read_load_s=10)
QUICK = Scale(load_s=1, latency_s=1, ingest_bars=2_000, ingest_budget_s=20, regime_bars=1_000,
              engine_closes=100_000, loop_closes=10_000, rounds=1, large_bars=6_000, read_load_s=1)
BATCH = 1_000
INGEST_CLIENTS = 2  # one per FastAPI worker (FASTAPI_MARKET_WORKERS)
READ_LOAD_CONNECTIONS = 16


@dataclass
class Figure:
    """One row of the table: a measured value beside its baseline from the same run."""

    key: str
    label: str
    unit: str
    goal: str
    value: float | None = None
    baseline: float | None = None
    check: Callable[[Figure], bool] | None = None
    dev: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.value is None or self.check is None:
            return None
        return bool(self.check(self))

    def as_json(self) -> dict[str, Any]:
        entry = {"value": _round(self.value), "baseline": _round(self.baseline), "ratio": _round(self.ratio),
                 "goal": self.goal, "met": self.met, "unit": self.unit, "figure": self.label}
        if self.dev is not None:
            entry["dev"] = {"value": _round(self.dev)}
        entry.update(self.notes)
        return entry


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 4) if abs(value) < 10 else round(value, 1)


def figures_new() -> dict[str, Figure]:
    rows = [
        Figure("stack_ready", "s from honcho start to all three /health = 200", "s", "ratio ≤ 1.4",
               check=lambda f: f.ratio <= 1.4),
        Figure("relay_rps", f"/check-regime req/s at {CONNECTIONS} connections (vs hop-free ceiling: FastAPI "
               "/health/live and Flask /health alone)", "req/s",
               "ratio ≥ 0.6", check=lambda f: f.ratio >= 0.6),
        Figure("relay_vs_naive", "/check-regime req/s (vs naive relay: new connection per call)", "req/s",
               "ratio ≥ 3", check=lambda f: f.ratio >= 3),
        Figure("relay_p99_added_ms", "p99 /check-regime − p99 Flask /health (1 connection)", "ms", "≤ 5 ms",
               check=lambda f: f.value <= 5),
        Figure("ingest_bars_per_s", f"bars/s through POST /bars, batches of 1,000, {INGEST_CLIENTS} clients (vs raw "
               f"insert_many, {INGEST_CLIENTS} clients)", "bars/s", "ratio ≥ 0.6", check=lambda f: f.ratio >= 0.6),
        Figure("regime_engine_bars_per_s", "regime function bars/s (vs plain Python loop per bar)", "bars/s",
               "ratio ≥ 100 and ≥ 20M bars/s", check=lambda f: f.ratio >= 100 and f.value >= 20e6),
        Figure("regime_endpoint_p50_ms", "GET /regime/{symbol}?lookback=5000 p50, 105,000 bars stored (vs regime "
               "function alone)", "ms", "p50 ≤ 400 ms", check=lambda f: f.value <= 400),
        Figure("regime_read_scaling", "the same GET /regime p50 with 1,000,000 bars stored (vs with 105,000)", "ms",
               "ratio ≤ 1.5", check=lambda f: f.ratio <= 1.5),
        Figure("bar_lookup_ms", "one bar by _id, p50, 1,000,000 bars stored (vs with 105,000)", "ms", "≤ 5 ms",
               check=lambda f: f.value <= 5),
        Figure("update_40_ms", "one update command of 40 UpdateOne by _id (vs 40 single-update commands, 8 at once)",
               "ms", "report it"),
        Figure("read_load_pages_rps", f"GET /bars/{{symbol}}?limit=100 req/s, wrk -c{READ_LOAD_CONNECTIONS}, 10 s client "
               "timeout", "req/s", "≥ 50 req/s, 0 timeouts, 0 5xx",
               check=lambda f: f.value >= 50 and f.notes.get("timeouts") == 0 and f.notes.get("non_2xx") == 0),
        Figure("read_load_regime_rps", f"GET /regime/{{symbol}} req/s, wrk -c{READ_LOAD_CONNECTIONS}, 10 s client "
               "timeout", "req/s", "≥ 20 req/s, 0 timeouts, 0 5xx",
               check=lambda f: f.value >= 20 and f.notes.get("timeouts") == 0 and f.notes.get("non_2xx") == 0),
        Figure("smoke_s", "scripts/smoke.py wall time (vs python -c pass + slowest check)", "s", "ratio ≤ 3",
               check=lambda f: f.ratio <= 3),
        Figure("idle_rss_mb", "RSS of the idle stack, all processes (vs bare hello apps)", "MB", "ratio ≤ 1.5",
               check=lambda f: f.ratio <= 1.5),
        # The dashboard's (scripts/bench_dashboard.py).
        Figure("series_summary_ms", "GET /series p50 (vs counting one series' bars + its newest bar in MongoDB)",
               "ms", "p50 ≤ 50 ms", check=lambda f: f.value <= 50),
        Figure("chart_draw_ms", "3,000 daily bars drawn in chromium, data in hand to chart drawn, dev stack "
               "(vs a bare uPlot line)", "ms", "≤ 1,000 ms", check=lambda f: f.value <= 1000),
    ]
    return {row.key: row for row in rows}


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    """This environment without anything that would change a service's config, the venv on PATH."""
    from dotenv import dotenv_values

    scrubbed = {"APP_ENV", "PORT", "DJANGO_SETTINGS_MODULE"}
    for path in CONFIG_DIR.glob("*.env"):
        scrubbed.update(dotenv_values(path))
    env = {k: v for k, v in os.environ.items() if k not in scrubbed and not k.startswith("APP_")}
    env.update(PYTHONUNBUFFERED="1", PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}")
    return env


@dataclass
class Ports:
    mysql: int
    mongo: int
    services: dict[str, int]

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), {name: free_port() for name in SERVICES})

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.services[service]}"

    def health_url(self, service: str) -> str:
        return self.url(service) + HEALTH_PATHS[service]


class Honcho:
    """``honcho -f <procfile> start`` in a session of its own, output to a log file."""

    def __init__(self, procfile: Path, env: dict[str, str], log_path: Path):
        self.procfile, self.env, self.log_path = procfile, env, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = process_groups.start(
                [str(VENV_BIN / "honcho"), "-f", str(self.procfile), "-d", str(REPO_ROOT), "start"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-15:])
            raise BenchError(f"honcho -f {self.procfile.name} exited; its log ends:\n{tail}")

    def members(self):
        import psutil

        if self.process is None or self.process.poll() is not None:
            return []
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]

    def rss_mb(self) -> float:
        import psutil

        total = 0
        for proc in self.members():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total / 2**20

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        members = self.members()
        if self.process.poll() is None:
            process_groups.signal_group(self.process.pid, process_groups.STOP)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"honcho -f {self.procfile.name} did not stop within {timeout:g} s; killing it")
        for proc in members:
            try:
                proc.kill()
            except Exception:  # already gone
                pass
        if self.process.poll() is None:
            self.process.wait(5)


def http_status(url: str, timeout: float = 1.0) -> int | None:
    import httpx

    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise BenchError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)
    return time.monotonic() - started


def start_ready(stack: Honcho, urls: list[str], timeout: float = 90) -> float:
    """Start ``stack``; the seconds until every URL has answered 200.

    Each URL is polled from its own thread, so a service that is slow to answer does not delay
    noticing the others (a gunicorn master accepts connections before its workers can answer).
    """
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    stack.start()

    def ready_after(url: str) -> float:
        deadline = started + timeout
        while time.monotonic() < deadline:
            if http_status(url, timeout=max(0.1, min(5.0, deadline - time.monotonic()))) == 200:
                return time.monotonic() - started
            if stack.process.poll() is not None:
                break
            time.sleep(0.02)
        stack.check_alive()
        raise BenchError(f"{stack.procfile.name}: {url} not answering 200 within {timeout:g} s")

    with ThreadPoolExecutor(len(urls)) as pool:
        return max(pool.map(ready_after, urls))


def procfile_write(directory: Path, name: str, lines: dict[str, str]) -> Path:
    path = directory / name
    path.write_text("".join(f"{proc}: {command}\n" for proc, command in lines.items()))
    return path


def procfile_read(path: Path) -> dict[str, str]:
    lines = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            lines[name.strip()] = command.strip()
    return lines


# --- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx answers plus socket errors
    timeouts: int = 0
    non_2xx: int = 0


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(url: str, seconds: int, connections: int = CONNECTIONS, timeout_s: int = 10, allow_none: bool = False) -> Load:
    """Run wrk against ``url`` and read its summary (a request slower than ``timeout_s`` counts as bad).

    With ``allow_none``, a run in which no request completed is a result (0 req/s), not an error.
    """
    threads = min(2, connections)
    argv = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s", url]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    out = result.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    percentiles = {int(p): float(v) * _UNITS_MS[u] for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    requests = re.search(r"(\d+) requests in", out)
    none_done = requests is not None and requests.group(1) == "0"
    if result.returncode != 0 or not rps or not requests or (not allow_none and (none_done or 99 not in percentiles)):
        raise BenchError(f"wrk {url} failed: {(result.stderr or out).strip()[-300:]}")
    non_2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = [int(n) for n in errors.groups()] if errors else [0, 0, 0, 0]
    load = Load(float(rps.group(1)), percentiles.get(50, math.nan), percentiles.get(99, math.nan), int(requests.group(1)),
                non_2xx + sum(socket_errors), timeouts=socket_errors[3], non_2xx=non_2xx)
    say(f"  {url} c={connections}: {load.rps:,.0f} req/s, p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms"
        + (f", {load.bad} bad answers ({load.timeouts} timeouts, {load.non_2xx} non-2xx)" if load.bad else ""))
    return load


# --- the regime function and its plain-Python baseline ------------------------------------------


def closes_random_walk(count: int, seed: int = 5) -> list[float]:
    rng = random.Random(seed)
    price, closes = 100.0, []
    for _ in range(count):
        price *= math.exp(rng.gauss(0.0003, 0.015))
        closes.append(round(price, 4))
    return closes


def regimes_python_loop(closes: list[float], params) -> tuple[list, list]:
    """The regime method written as a plain Python loop over bars: each bar's windows summed afresh."""
    fast, slow, vol_n = params.fast_window, params.slow_window, params.vol_window
    returns = [0.0] + [math.log(closes[i] / closes[i - 1]) for i in range(1, len(closes))]
    trends, vols = [], []
    for i in range(len(closes)):
        trend = vol = None
        if i >= slow - 1:
            spread = (sum(closes[i - fast + 1:i + 1]) / fast) / (sum(closes[i - slow + 1:i + 1]) / slow) - 1.0
            trend = "bull" if spread > params.trend_band else "bear" if spread < -params.trend_band else "sideways"
        if i >= vol_n:
            window = returns[i - vol_n + 1:i + 1]
            mean = sum(window) / vol_n
            variance = sum((r - mean) ** 2 for r in window) / (vol_n - 1)
            annual = math.sqrt(variance * params.periods_per_year)
            vol = "low" if annual < params.vol_low else "high" if annual > params.vol_high else "normal"
        trends.append(trend)
        vols.append(vol)
    return trends, vols


def best_seconds(run: Callable[[], Any], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def measure_engine(fig: Figure, scale: Scale) -> None:
    import numpy as np

    from apps.common.contracts import RegimeParams
    from apps.flask_regime.engine import regimes_detect

    params = RegimeParams()
    closes = np.array(closes_random_walk(scale.engine_closes))
    engine_s = best_seconds(lambda: regimes_detect(closes, params), 3)
    small = closes_random_walk(scale.loop_closes)
    loop_s = best_seconds(lambda: regimes_python_loop(small, params), 3)
    # Same method, same answers: the baseline must not be a different (cheaper) computation.
    trends, _ = regimes_python_loop(small, params)
    agree = np.mean(regimes_detect(np.array(small), params).trend == np.array(trends, dtype=object))
    if agree < 0.999:
        raise BenchError(f"the plain-Python regime loop disagrees with the engine on {1 - agree:.2%} of bars")
    fig.value = scale.engine_closes / engine_s
    fig.baseline = scale.loop_closes / loop_s
    fig.notes.update(closes=scale.engine_closes, baseline_closes=scale.loop_closes)
    say(f"  engine {fig.value / 1e6:.1f} M bars/s; plain loop {fig.baseline / 1e6:.2f} M bars/s")


# --- the run ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, scale: Scale, with_dev: bool, workdir: Path, stack: ExitStack):
        self.scale, self.with_dev, self.workdir, self.exit = scale, with_dev, workdir, stack
        self.ports = Ports.free()
        self.figures = figures_new()
        self.token = secrets.token_urlsafe(32)
        self.mysql_password = secrets.token_urlsafe(16)
        self.mysql_url = f"mysql://aetherion:{self.mysql_password}@127.0.0.1:{self.ports.mysql}/aetherion_core"
        self.mongo_url = f"mongodb://127.0.0.1:{self.ports.mongo}/"
        service_ports = {f"{name.upper()}_PORT": str(port) for name, port in self.ports.services.items()}
        self.dev_env = {**base_env(), "MYSQL_URL": self.mysql_url, "MONGO_URL": self.mongo_url,
                        "MONGO_DB": BENCH_MONGO_DB, **service_ports}
        self.prod_env = {**self.dev_env, "APP_ENV": "production", "INTERNAL_API_TOKEN": self.token,
                         "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                         "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}

    def honcho(self, procfile: Path, env: dict[str, str]) -> Honcho:
        stack = Honcho(procfile, env, self.workdir / f"{procfile.name}.log")
        self.exit.callback(stack.stop)
        return stack

    # databases

    def databases_start(self) -> None:
        from scripts.ports import port_holder

        db_env = {**self.dev_env, "APP_ENV": "test"}
        lines = {name: f"python -m scripts.local_db run {name} --fresh" for name in ("mysql", "mongo")}
        self.exit.callback(self.databases_remove)  # registered first, so it runs after they stopped
        self.databases = self.honcho(procfile_write(self.workdir, "Procfile.databases", lines), db_env)
        say(f"starting private MariaDB :{self.ports.mysql} and MongoDB :{self.ports.mongo}")
        self.databases.start()

        def listening() -> bool:
            self.databases.check_alive()
            return all(port_holder("127.0.0.1", p) is not None for p in (self.ports.mysql, self.ports.mongo))

        wait_until(listening, 180, "private MySQL and MongoDB listening", interval=0.3)

        def bootstrapped() -> bool:
            result = subprocess.run([sys.executable, "-m", "scripts.bootstrap_db"], cwd=REPO_ROOT, env=self.prod_env,
                                    capture_output=True, text=True, timeout=120, check=False)
            self.bootstrap_log = result.stderr
            return result.returncode == 0

        try:
            wait_until(bootstrapped, 90, "scripts/bootstrap_db.py succeeding", interval=1)
        except BenchError as exc:
            raise BenchError(f"{exc}: {self.bootstrap_log.strip()[-400:]}") from None
        self.servers = database_servers(self.mysql_url, self.mongo_url)
        say(f"  servers: {self.servers['mysql']}, {self.servers['mongodb']}")

    def databases_remove(self) -> None:
        from apps.common.config import var_dir
        from scripts.private_db.servers import server_files_remove

        for name, port in (("mysql", self.ports.mysql), ("mongo", self.ports.mongo)):
            server_files_remove(var_dir() / "test", name, port)

    # figures

    def stack_ready(self, procfile: Path, env: dict[str, str], alone: bool) -> tuple[Honcho, float, list[float]]:
        """Start each service alone (when ``alone``), then the whole Procfile; leaves the whole one running."""
        lines = procfile_read(procfile)
        alone_s = []
        if alone:
            for name, command in lines.items():
                single = self.honcho(procfile_write(self.workdir, f"Procfile.{name}", {name: command}), env)
                took = start_ready(single, [self.ports.health_url(name)])
                single.stop()
                alone_s.append(took)
                say(f"  {name} alone: healthy after {took:.2f} s")
        stack = self.honcho(procfile, env)
        took = start_ready(stack, [self.ports.health_url(name) for name in SERVICES])
        say(f"  {procfile.relative_to(REPO_ROOT)}: all three healthy after {took:.2f} s")
        return stack, took, alone_s

    def relay(self, rounds: int, naive_url: str | None = None) -> dict[str, Load]:
        """The relay, its ceilings and the naive relay, interleaved for ``rounds`` rounds.

        Each target keeps its best round (highest req/s; lowest p99 at one connection): on a shared
        machine the best round is the one least disturbed by other work, for every target alike.
        """
        s = self.scale
        flask, fastapi = self.ports.url("flask_regime"), self.ports.url("fastapi_market")
        throughput = {"relay": f"{fastapi}/check-regime"}
        if naive_url:
            throughput.update({
                "naive": naive_url,
                "flask": f"{flask}/health",
                # FastAPI's hop-free answer: /health pings MongoDB, another hop; /health/live calls nothing.
                "fastapi": f"{fastapi}/health/live",
            })
        latency = {"flask_1": f"{flask}/health", "relay_1": f"{fastapi}/check-regime"}
        for url in throughput.values():
            wrk(url, 1)  # warm every worker and the pooled connections
        best: dict[str, Load] = {}
        for _ in range(rounds):
            for name, url in throughput.items():
                load = wrk(url, s.load_s)
                if name not in best or load.rps > best[name].rps:
                    best[name] = load
            for name, url in latency.items():
                load = wrk(url, s.latency_s, connections=1)
                if name not in best or load.p99_ms < best[name].p99_ms:
                    best[name] = load
        return best

    def naive_relay_start(self) -> tuple[Honcho, str]:
        """The naive relay app under the same uvicorn settings as fastapi_market; its URL."""
        workers = _fastapi_workers(self.prod_env)
        port = free_port()
        command = (f"uvicorn --factory scripts.bench_apps:naive_relay --host 127.0.0.1 --port {port} "
                   f"--workers {workers} --no-access-log --log-level warning")
        env = {**self.prod_env, "BENCH_FLASK_URL": self.ports.url("flask_regime")}
        naive = self.honcho(procfile_write(self.workdir, "Procfile.naive", {"naive_relay": command}), env)
        url = f"http://127.0.0.1:{port}/check-regime"
        start_ready(naive, [url])
        return naive, url

    def ingest(self, fig: Figure, regime_symbol: str) -> None:
        """POST /bars from INGEST_CLIENTS clients at once, beside raw insert_many of the same documents
        from as many clients into a collection of their own."""
        import httpx
        from pymongo import MongoClient

        s = self.scale
        bars = bars_generate(s.ingest_bars, s.regime_bars)
        batches = [bars[first:first + BATCH] for first in range(0, len(bars), BATCH)]
        url = f"{self.ports.url('fastapi_market')}/bars"
        headers = {"Authorization": f"Bearer {self.token}"}
        started = time.perf_counter()

        def post(batch: list[dict[str, Any]], client: httpx.Client) -> int:
            if time.perf_counter() - started > s.ingest_budget_s and batch[0]["symbol"] != regime_symbol:
                return 0
            response = client.post(url, json={"bars": batch})
            if response.status_code != 200 or response.json()["inserted"] != len(batch):
                raise BenchError(f"POST /bars answered {response.status_code}: {response.text[:300]}")
            return len(batch)

        with httpx.Client(timeout=120, headers=headers) as client:
            posted = _concurrently(batches, lambda batch: post(batch, client), INGEST_CLIENTS)
        service_s = time.perf_counter() - started
        sent = sum(posted)
        documents = [[bar_document(bar) for bar in batch] for batch, count in zip(batches, posted) if count]
        with MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
            collection = mongo[BENCH_MONGO_DB]["bars_insert_baseline"]
            collection.drop()
            started = time.perf_counter()
            _concurrently(documents, lambda docs: collection.insert_many(docs, ordered=False), INGEST_CLIENTS)
            raw_s = time.perf_counter() - started
            collection.drop()
        fig.value, fig.baseline = sent / service_s, sent / raw_s
        fig.notes.update(bars=sent, batch=BATCH, clients=INGEST_CLIENTS, fastapi_workers=_fastapi_workers(self.prod_env))
        self.bars_stored = sent
        if sent < s.ingest_bars:
            fig.notes["stopped_after_s"] = s.ingest_budget_s
        say(f"  POST /bars: {sent:,} bars at {fig.value:,.0f}/s; insert_many {fig.baseline:,.0f}/s")

    def regime_p50(self, symbol: str) -> tuple[float, float, int]:
        """p50 and p99 (ms) of GET /regime/{symbol}?lookback=regime_bars, and how many were timed.

        One connection, request after request (as wrk -c1), but no request is cut off at the end of
        a time window: on a slow server each one may take seconds.
        """
        import httpx

        url = f"{self.ports.url('fastapi_market')}/regime/{symbol}?lookback={self.scale.regime_bars}"
        times = []
        with httpx.Client(timeout=120) as client:
            started = time.perf_counter()
            while len(times) < 200 and (len(times) < 6 or time.perf_counter() - started < self.scale.latency_s + 2):
                begun = time.perf_counter()
                try:
                    response = client.get(url)
                except httpx.HTTPError as exc:
                    raise BenchError(f"GET {url} failed: {type(exc).__name__}") from None
                if response.status_code != 200:
                    raise BenchError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
                times.append((time.perf_counter() - begun) * 1000)
        times = times[1:]  # the first warms the connection
        p50, p99 = statistics.median(times), statistics.quantiles(times, n=100, method="inclusive")[98]
        say(f"  GET /regime/{symbol}?lookback={self.scale.regime_bars}: {len(times)} requests, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms ({self.bars_stored:,} bars stored)")
        return p50, p99, len(times)

    def regime_endpoint(self, fig: Figure, symbol: str) -> None:
        import numpy as np
        from pymongo import MongoClient

        from apps.common.contracts import RegimeParams
        from apps.flask_regime.engine import regimes_detect

        n = self.scale.regime_bars
        p50, p99, count = self.regime_p50(symbol)
        with MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
            docs = mongo[BENCH_MONGO_DB]["bars"].find({"symbol": symbol, "timeframe": "1d"}, {"close": True}).sort("ts", 1)
            closes = np.array([doc["close"] for doc in docs], dtype=float)
        if len(closes) != n:
            raise BenchError(f"{symbol} has {len(closes)} bars stored, expected {n}")
        params = RegimeParams()
        fig.value = p50
        fig.baseline = best_seconds(lambda: regimes_detect(closes, params), 20) * 1000
        fig.notes.update(bars=n, p99_ms=_round(p99), requests=count, bars_in_collection=self.bars_stored)

    def lookup_p50(self, count: int = 60) -> float:
        """p50 (ms) of find_one by _id for stored bars picked at random, straight to the server."""
        from pymongo import MongoClient

        rng = random.Random(11)
        symbols = max(1, min(self.bars_stored, self.scale.ingest_bars) // self.scale.regime_bars)  # the BENCH<n> ones
        keys = [f"BENCH{rng.randrange(symbols)}:1d:{_day(rng.randrange(self.scale.regime_bars))}" for _ in range(count)]
        with MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
            bars = mongo[BENCH_MONGO_DB]["bars"]
            times = []
            for key in keys:
                begun = time.perf_counter()
                if bars.find_one({"_id": key}) is None:
                    raise BenchError(f"bar {key} is not stored")
                times.append((time.perf_counter() - begun) * 1000)
        return statistics.median(times[5:])

    def update_40(self, fig: Figure) -> None:
        """One update command of 40 UpdateOne by _id, beside the same 40 updates as single commands."""
        import asyncio

        from pymongo import AsyncMongoClient, MongoClient, UpdateOne

        keys = [f"BENCH1:1d:{_day(day)}" for day in range(40)]
        with MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
            bars = mongo[BENCH_MONGO_DB]["bars"]
            started = time.perf_counter()
            bars.bulk_write([UpdateOne({"_id": key}, {"$set": {"volume": 7}}) for key in keys], ordered=False)
            fig.value = (time.perf_counter() - started) * 1000

        async def singles() -> float:
            client = AsyncMongoClient(self.mongo_url, serverSelectionTimeoutMS=5000)
            slots = asyncio.Semaphore(8)

            async def one(key: str) -> None:
                async with slots:
                    await client[BENCH_MONGO_DB]["bars"].update_one({"_id": key}, {"$set": {"volume": 8}})

            begun = time.perf_counter()
            await asyncio.gather(*(one(key) for key in keys))
            took = (time.perf_counter() - begun) * 1000
            await client.close()
            return took

        fig.baseline = asyncio.run(singles())
        fig.notes.update(bars_in_collection=self.bars_stored)
        say(f"  40 updates: one command {fig.value:,.0f} ms; 40 single commands, 8 at once {fig.baseline:,.0f} ms")

    def read_load(self, pages: Figure, regimes: Figure, symbol: str) -> None:
        """wrk at READ_LOAD_CONNECTIONS connections with a 10 s client timeout on a page of bars and on a regime."""
        base = self.ports.url("fastapi_market")
        for fig, url in ((pages, f"{base}/bars/{symbol}?limit=100"), (regimes, f"{base}/regime/{symbol}")):
            load = wrk(url, self.scale.read_load_s, connections=READ_LOAD_CONNECTIONS, timeout_s=10, allow_none=True)
            fig.value = load.rps
            fig.notes.update(timeouts=load.timeouts, non_2xx=load.non_2xx, requests=load.requests,
                             p50_ms=_round(load.p50_ms), p99_ms=_round(load.p99_ms), bars_in_collection=self.bars_stored)

    def fill_to(self, total: int) -> float:
        """Made-up bars of other symbols until ``total`` bars are stored, written as POST /bars would
        (the bars, and their series' segments) but straight to MongoDB; the seconds it took."""
        from pymongo import MongoClient

        from apps.common.contracts import Bar
        from apps.fastapi_market.segments import COLLECTION, segment_document

        missing = total - self.bars_stored
        if missing <= 0:
            return 0.0
        per_symbol = self.scale.regime_bars
        started = time.perf_counter()
        with MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000) as mongo:
            bars, segments = mongo[BENCH_MONGO_DB]["bars"], mongo[BENCH_MONGO_DB][COLLECTION]

            def insert(first: int) -> None:
                documents = [bar_document(bar) for bar in
                             bars_generate(min(BATCH, missing - first), per_symbol, "FILL", offset=first)]
                bars.insert_many(documents, ordered=False)
                by_symbol: dict[str, list] = {}
                for doc in documents:
                    by_symbol.setdefault(doc["symbol"], []).append(Bar.model_construct(**{k: v for k, v in doc.items() if k != "_id"}))
                segments.insert_many([segment_document(symbol, "1d", series) for symbol, series in by_symbol.items()])

            _concurrently(list(range(0, missing, BATCH)), insert, INGEST_CLIENTS)
        self.bars_stored = total
        took = time.perf_counter() - started
        say(f"  filled to {total:,} bars stored in {took:.0f} s ({missing / took:,.0f} bars/s)")
        return took

    def smoke(self, env: dict[str, str]) -> tuple[float, float]:
        """Median wall time of scripts/smoke.py, and its baseline."""
        argv = [sys.executable, "-m", "scripts.smoke", "--django-url", self.ports.url("django_core"),
                "--fastapi-url", self.ports.url("fastapi_market"), "--flask-url", self.ports.url("flask_regime")]
        walls = []
        for _ in range(3):
            started = time.perf_counter()
            result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
            walls.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise BenchError(f"scripts/smoke.py failed: {result.stdout[-400:]}{result.stderr[-400:]}")
        interpreter = statistics.median(
            _wall(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)) for _ in range(3))
        checks = [self.ports.health_url(name) for name in SERVICES] + [f"{self.ports.url('fastapi_market')}/check-regime"]
        slowest = max(statistics.median(_wall(lambda u=url: _get_fresh(u)) for _ in range(3)) for url in checks)
        return statistics.median(walls), interpreter + slowest

    def idle_rss(self, stack: Honcho) -> float:
        time.sleep(1)
        return stack.rss_mb()

    def hello_rss(self) -> float:
        """RSS of bare hello apps of the three frameworks under the same servers and worker counts."""
        from apps.django_core.env import load_settings as django_settings
        from apps.flask_regime.settings import load_settings as flask_settings

        ports = {name: free_port() for name in SERVICES}
        lines = {}
        for name, settings_of, factory in (("django_core", django_settings, "django_hello()"),
                                           ("flask_regime", flask_settings, "flask_hello()")):
            server = _settings_in(self.prod_env, settings_of).server
            worker = "gthread" if server.threads > 1 else "sync"
            lines[name] = (f"gunicorn --bind 127.0.0.1:{ports[name]} --workers {server.workers} --threads {server.threads} "
                           f"--worker-class {worker} 'scripts.bench_apps:{factory}'")
        lines["fastapi_market"] = (f"uvicorn --factory scripts.bench_apps:fastapi_hello --host 127.0.0.1 "
                                   f"--port {ports['fastapi_market']} --workers {_fastapi_workers(self.prod_env)} "
                                   f"--no-access-log --log-level warning")
        hello = self.honcho(procfile_write(self.workdir, "Procfile.hello", lines), self.prod_env)
        urls = [f"http://127.0.0.1:{ports[name]}{HEALTH_PATHS[name]}" for name in SERVICES]
        start_ready(hello, urls)
        for url in urls:  # let every worker answer once, as the measured stack has
            wrk(url, 1, connections=4)
        rss = self.idle_rss(hello)
        hello.stop()
        return rss

    def run(self) -> dict[str, Figure]:
        f, s = self.figures, self.scale
        self.databases_start()

        say("stack_ready: each service alone, then deploy/Procfile.prod")
        prod, took, alone = self.stack_ready(PROD_PROCFILE, self.prod_env, alone=True)
        f["stack_ready"].value = took
        f["stack_ready"].baseline = max(max(alone), sum(alone) / (os.cpu_count() or 1))
        f["stack_ready"].notes["alone_s"] = [_round(a) for a in alone]

        say(f"relay: /check-regime, its ceilings (Flask /health, FastAPI /health/live) and the naive relay, "
            f"{s.rounds} interleaved rounds")
        naive, naive_url = self.naive_relay_start()
        loads = self.relay(s.rounds, naive_url)
        naive.stop()
        f["relay_rps"].value = f["relay_vs_naive"].value = loads["relay"].rps
        f["relay_rps"].baseline = 1 / (1 / loads["fastapi"].rps + 1 / loads["flask"].rps)
        f["relay_rps"].notes.update(flask_health_rps=_round(loads["flask"].rps),
                                    fastapi_health_live_rps=_round(loads["fastapi"].rps), bad_answers=loads["relay"].bad,
                                    rounds=s.rounds)
        f["relay_vs_naive"].baseline = loads["naive"].rps
        f["relay_p99_added_ms"].value = loads["relay_1"].p99_ms - loads["flask_1"].p99_ms
        f["relay_p99_added_ms"].notes.update(
            connections=1, relay_p99_ms=_round(loads["relay_1"].p99_ms), flask_health_p99_ms=_round(loads["flask_1"].p99_ms),
            at_32_connections=_round(loads["relay"].p99_ms - loads["flask"].p99_ms))

        say("regime engine: in this process")
        measure_engine(f["regime_engine_bars_per_s"], s)

        symbol = "BENCH0"
        say(f"ingest: up to {s.ingest_bars:,} bars through POST /bars (at most ~{s.ingest_budget_s:g} s)")
        self.ingest(f["ingest_bars_per_s"], symbol)
        say(f"regime endpoint: GET /regime/{symbol} over {s.regime_bars:,} bars")
        self.regime_endpoint(f["regime_endpoint_p50_ms"], symbol)
        say("series summary: GET /series beside counting one series in MongoDB")
        fig = f["series_summary_ms"]
        fig.value, fig.baseline, notes = bench_dashboard.series_summary_ms(
            self.ports.url("fastapi_market"), self.mongo_url, BENCH_MONGO_DB, symbol)
        fig.notes.update(notes)
        say(f"bar lookups, a 40-update command, read load: {self.bars_stored:,} bars stored")
        lookup_before = self.lookup_p50()
        self.update_40(f["update_40_ms"])
        self.read_load(f["read_load_pages_rps"], f["read_load_regime_rps"], symbol)
        say(f"scaling: the bars collection filled to {s.large_bars:,} bars")
        fill_s = self.fill_to(s.large_bars)
        p50_large, p99_large, count = self.regime_p50(symbol)
        scaling = f["regime_read_scaling"]
        scaling.value, scaling.baseline = p50_large, f["regime_endpoint_p50_ms"].value
        scaling.notes.update(bars_in_collection=self.bars_stored, p99_ms=_round(p99_large), requests=count,
                             filled_in_s=_round(fill_s))
        lookup = f["bar_lookup_ms"]
        lookup.value, lookup.baseline = self.lookup_p50(), lookup_before
        lookup.notes.update(bars_in_collection=self.bars_stored)

        say("smoke: scripts/smoke.py against the production stack")
        f["smoke_s"].value, f["smoke_s"].baseline = self.smoke(self.prod_env)

        say("idle_rss: the production stack, then bare hello apps")
        f["idle_rss_mb"].value = self.idle_rss(prod)
        prod.stop()
        f["idle_rss_mb"].baseline = self.hello_rss()

        if self.with_dev:
            say("dev profile: Procfile (runserver-like serve, uvicorn --reload, werkzeug)")
            dev, took, _ = self.stack_ready(DEV_PROCFILE, self.dev_env, alone=False)
            f["stack_ready"].dev = took
            loads = self.relay(1)
            f["relay_rps"].dev = f["relay_vs_naive"].dev = loads["relay"].rps
            f["relay_p99_added_ms"].dev = loads["relay_1"].p99_ms - loads["flask_1"].p99_ms
            f["smoke_s"].dev = self.smoke(self.dev_env)[0]
            say("chart draw: the detail page of 3,000 daily bars in chromium (dev profile: no login)")
            fig = f["chart_draw_ms"]
            fig.value, fig.baseline, notes = bench_dashboard.chart_draw_ms(
                self.ports.url("django_core"), self.ports.url("fastapi_market"), _dev_token(self.dev_env))
            fig.notes.update(notes)
            f["idle_rss_mb"].dev = self.idle_rss(dev)
            dev.stop()
        return f


def database_servers(mysql_url: str, mongo_url: str) -> dict[str, str]:
    """The bench's database servers, named (``MariaDB 10.11.11``, ``FerretDB 1.24.1 + PostgreSQL``)."""
    from apps.common.database_probes import mongo_server_at, mysql_server_at
    from apps.common.databases import MySQLTarget

    return {"mysql": mysql_server_at(MySQLTarget.from_url(mysql_url)),
            "mongodb": mongo_server_at(mongo_url, BENCH_MONGO_DB)}


def _settings_in(env: dict[str, str], load_settings):
    """A service's settings as they resolve in ``env`` (the child's environment)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _dev_token(env: dict[str, str]) -> str:
    from apps.fastapi_market.settings import load_settings

    return _settings_in(env, load_settings).common.internal_api_token


def _fastapi_workers(env: dict[str, str]) -> int:
    from apps.fastapi_market.settings import load_settings

    return _settings_in(env, load_settings).server.workers


def _day(day: int) -> str:
    """The ``ts`` of bar number ``day`` of a made-up series, as in its ``_id``."""
    return f"{datetime(1990, 1, 1, tzinfo=UTC) + timedelta(days=day):%Y-%m-%dT%H:%M:%S.000Z}"


def _wall(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _get_fresh(url: str) -> None:
    import httpx

    with httpx.Client(timeout=10) as client:
        client.get(url).raise_for_status()


def bars_generate(count: int, per_symbol: int, prefix: str = "BENCH", offset: int = 0) -> list[dict[str, Any]]:
    """``count`` daily bars, ``per_symbol`` per symbol named ``<prefix><n>``, from bar number ``offset`` on."""
    bars, start = [], datetime(1990, 1, 1, tzinfo=UTC)
    closes = _walk(per_symbol)
    for index in range(offset, offset + count):
        symbol_no, day = divmod(index, per_symbol)
        close = closes[day] * (1 + symbol_no / 100)
        bars.append({
            "symbol": f"{prefix}{symbol_no}", "timeframe": "1d",
            "ts": (start + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "open": close, "high": round(close * 1.01, 4), "low": round(close * 0.99, 4), "close": close,
            "volume": 1_000_000 + day,
        })
    return bars


@functools.cache
def _walk(count: int) -> tuple[float, ...]:
    return tuple(closes_random_walk(count))


def _concurrently(items: list, work: Callable[[Any], Any], threads: int) -> list:
    """``work(item)`` for every item, ``threads`` at a time; the results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def bar_document(bar: dict[str, Any]) -> dict[str, Any]:
    """A bar as apps/fastapi_market/bars.py stores it: natural key as _id, ts as a datetime."""
    ts = datetime.strptime(bar["ts"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    return {"_id": f"{bar['symbol']}:{bar['timeframe']}:{bar['ts']}", **bar, "ts": ts}


# --- output -----------------------------------------------------------------------------------


def _shown(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 1e6:
        text = f"{value / 1e6:,.1f}M"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".strip()


def table_print(figures: dict[str, Figure], with_dev: bool, servers: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Aetherion benchmark (production profile on {servers['mysql']} and {servers['mongodb']}; "
                        "ratio = value ÷ baseline)")
    for name in ("figure", "value", "baseline", "ratio", "goal", "met?"):
        table.add_column(name, justify="left" if name in ("figure", "goal") else "right", no_wrap=True)
    if with_dev:
        table.add_column("dev profile", justify="right", no_wrap=True)
    for fig in figures.values():
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[fig.met]
        row = [fig.key, _shown(fig.value, fig.unit), _shown(fig.baseline, fig.unit),
               "—" if fig.ratio is None else f"{fig.ratio:,.2f}", fig.goal, met]
        if with_dev:
            row.append(_shown(fig.dev, fig.unit))
        table.add_row(*row)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # a log or README paste: one line per figure
    console.print(table)


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import psutil

    return f"{os.cpu_count()} cores, {model}, {psutil.virtual_memory().total / 2**30:.1f} GiB RAM"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a scaled-down run (seconds): keeps the bench working")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures as JSON to PATH")
    parser.add_argument("--no-dev", action="store_true", help="skip the dev-profile figures")
    args = parser.parse_args(argv)

    from scripts import system_packages

    try:
        system_packages.ensure(["bench"])
    except system_packages.PackagesError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by SIGTERM: still stop what it started
    say(f"{'quick run' if args.quick else 'full run'} on {machine()}")
    try:
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aetherion-bench-")))
            bench = Bench(QUICK if args.quick else FULL, not args.no_dev, workdir, stack)
            figures = bench.run()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    table_print(figures, not args.no_dev, bench.servers)
    if args.json:
        report = {key: fig.as_json() for key, fig in figures.items()}
        report["servers"] = bench.servers
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        say(f"wrote {args.json}")
    say(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
