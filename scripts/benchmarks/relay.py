"""The relay figures: FastAPI's /check-regime (one hop to Flask over pooled connections) beside its
hop-free ceilings and beside a naive relay that opens a new connection per call."""

from __future__ import annotations

from apps.common.health import LIVENESS_PATH
from scripts.benchmarks.figures import Figure, rounded, say
from scripts.benchmarks.load import Load, warm, wrk
from scripts.benchmarks.processes import Honcho, start_ready
from scripts.benchmarks.stack import BenchStack, fastapi_workers
from scripts.stack_processes import free_port, procfile_write


def relay(stack: BenchStack, rounds: int, naive_url: str | None = None) -> dict[str, Load]:
    """The relay, its ceilings and the naive relay, interleaved for ``rounds`` rounds.

    Each target keeps its best round (highest req/s; lowest p99 at one connection): on a shared
    machine the best round is the one least disturbed by other work, for every target alike.
    """
    s = stack.scale
    flask_health, fastapi = stack.ports.health_url("flask_regime"), stack.ports.url("fastapi_market")
    throughput = {"relay": f"{fastapi}/check-regime"}
    if naive_url:
        throughput.update(
            {
                "naive": naive_url,
                "flask": flask_health,
                # FastAPI's hop-free answer: /health pings MongoDB, another hop; /health/live calls nothing.
                "fastapi": f"{fastapi}{LIVENESS_PATH}",
            }
        )
    latency = {"flask_1": flask_health, "relay_1": f"{fastapi}/check-regime"}
    for url in throughput.values():
        warm(url)
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


def naive_relay_start(stack: BenchStack) -> tuple[Honcho, str]:
    """The naive relay app under the same uvicorn settings as fastapi_market; its URL."""
    workers = fastapi_workers(stack.prod_env)
    port = free_port()
    command = (
        f"uvicorn --factory scripts.bench_apps:naive_relay --host 127.0.0.1 --port {port} "
        f"--workers {workers} --no-access-log --log-level warning"
    )
    env = {**stack.prod_env, "BENCH_FLASK_URL": stack.ports.url("flask_regime")}
    naive = stack.honcho(procfile_write(stack.workdir / "Procfile.naive", {"naive_relay": command}), env)
    url = f"http://127.0.0.1:{port}/check-regime"
    start_ready(naive, [url])
    return naive, url


def measure_relay(stack: BenchStack, f: dict[str, Figure]) -> None:
    """relay_rps, relay_vs_naive and relay_p99_added_ms, on the production stack that is running."""
    s = stack.scale
    say(
        f"relay: /check-regime, its ceilings (Flask /health, FastAPI /health/live) and the naive relay, "
        f"{s.rounds} interleaved rounds"
    )
    naive, naive_url = naive_relay_start(stack)
    loads = relay(stack, s.rounds, naive_url)
    naive.stop()
    f["relay_rps"].value = f["relay_vs_naive"].value = loads["relay"].rps
    f["relay_rps"].baseline = 1 / (1 / loads["fastapi"].rps + 1 / loads["flask"].rps)
    f["relay_rps"].notes.update(
        flask_health_rps=rounded(loads["flask"].rps),
        fastapi_health_live_rps=rounded(loads["fastapi"].rps),
        bad_answers=loads["relay"].bad,
        rounds=s.rounds,
    )
    f["relay_vs_naive"].baseline = loads["naive"].rps
    f["relay_p99_added_ms"].value = loads["relay_1"].p99_ms - loads["flask_1"].p99_ms
    f["relay_p99_added_ms"].notes.update(
        connections=1,
        relay_p99_ms=rounded(loads["relay_1"].p99_ms),
        flask_health_p99_ms=rounded(loads["flask_1"].p99_ms),
        at_32_connections=rounded(loads["relay"].p99_ms - loads["flask"].p99_ms),
    )


def measure_relay_dev(stack: BenchStack, f: dict[str, Figure]) -> None:
    """The relay figures' dev-profile values, on the dev stack that is running (one round, no naive relay)."""
    loads = relay(stack, 1)
    f["relay_rps"].dev = f["relay_vs_naive"].dev = loads["relay"].rps
    f["relay_p99_added_ms"].dev = loads["relay_1"].p99_ms - loads["flask_1"].p99_ms
