"""Load from wrk (a separate process, so the load does not share this interpreter): its summary, read."""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass

from scripts.benchmarks.figures import CONNECTIONS, BenchError, say


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


def warm(url: str, connections: int = CONNECTIONS, rounds: int = 4) -> None:
    """``connections`` requests to ``url`` at once, ``rounds`` times: every worker and pooled connection
    behind it has answered before a figure is measured (a second of wrk did the same, slower)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    limits = httpx.Limits(max_connections=connections)
    with httpx.Client(limits=limits, timeout=30) as client, ThreadPoolExecutor(connections) as pool:
        for _ in range(rounds):
            for answer in pool.map(client.get, [url] * connections):
                if answer.status_code != 200:
                    raise BenchError(f"warming {url}: {answer.status_code} {answer.text[:200]}")


def wrk(
    url: str,
    seconds: int,
    connections: int = CONNECTIONS,
    timeout_s: int = 10,
    allow_none: bool = False,
    token: str | None = None,
) -> Load:
    """Run wrk against ``url`` and read its summary (a request slower than ``timeout_s`` counts as bad).

    With ``allow_none``, a run in which no request completed is a result (0 req/s), not an error. With
    ``token``, every request carries it (a production read needs one).
    """
    threads = min(2, connections)
    argv = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s", url]
    if token:
        argv[1:1] = ["-H", f"Authorization: Bearer {token}"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    out = result.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    rows = re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    percentiles = {int(p): float(v) * _UNITS_MS[u] for p, v, u in rows}
    requests = re.search(r"(\d+) requests in", out)
    none_done = requests is not None and requests.group(1) == "0"
    if result.returncode != 0 or not rps or not requests or (not allow_none and (none_done or 99 not in percentiles)):
        raise BenchError(f"wrk {url} failed: {(result.stderr or out).strip()[-300:]}")
    non_2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = [int(n) for n in errors.groups()] if errors else [0, 0, 0, 0]
    load = Load(
        float(rps.group(1)),
        percentiles.get(50, math.nan),
        percentiles.get(99, math.nan),
        int(requests.group(1)),
        non_2xx + sum(socket_errors),
        timeouts=socket_errors[3],
        non_2xx=non_2xx,
    )
    say(
        f"  {url} c={connections}: {load.rps:,.0f} req/s, p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms"
        + (f", {load.bad} bad answers ({load.timeouts} timeouts, {load.non_2xx} non-2xx)" if load.bad else "")
    )
    return load
