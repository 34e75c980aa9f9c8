"""What the dashboard's polling costs: 20 open tabs asking the production stack's ``/api/services/``
every HEALTH_POLL_MS, counted in MySQL connections opened and calls to the other services' ``/health``
per cache period (apps/django_core/tower/health_cache.py)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx

from apps.common.auth import authorization_header
from scripts.benchmarks.figures import Figure, rounded, say

if TYPE_CHECKING:
    from scripts.benchmarks.processes import Honcho
    from scripts.benchmarks.stack import BenchStack

TABS = 20
# A health call fastapi_market or flask_regime served, as honcho logs it (plain or JSON lines).
HEALTH_CALL = re.compile(r"^\S+ (fastapi_market|flask_regime)\.\d+\s+\|.*GET /health 200")


def mysql_connections(mysql_url: str) -> int:
    """MariaDB's count of connections opened since it started (this one included)."""
    import MySQLdb

    from apps.common.databases import MySQLTarget

    target = MySQLTarget.from_url(mysql_url)
    conn = MySQLdb.connect(host=target.host, port=target.port, user=target.user, password=target.password)
    try:
        cursor = conn.cursor()
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
        return int(cursor.fetchone()[1])
    finally:
        conn.close()  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated


def measure_polling(stack: BenchStack, prod: Honcho, figure: Figure, periods: int) -> None:
    """``periods`` poll periods of TABS tabs, opened at moments spread over one period."""
    from apps.django_core.tower.health_cache import CACHE_S, HEALTH_POLL_MS

    poll_s = HEALTH_POLL_MS / 1000
    url = f"{stack.ports.url('django_core')}/api/services/"
    say(f"services_poll: {TABS} tabs polling {url} every {poll_s:g} s for {periods} periods")
    log_start = prod.log_path.stat().st_size
    before = mysql_connections(stack.mysql_url)
    started = time.monotonic()
    stop_at = started + periods * poll_s

    def tab(index: int) -> int:
        time.sleep(index * poll_s / TABS)
        answered = 0
        # As from the TLS proxy in front of production Django (DJANGO_BEHIND_PROXY).
        headers = {**authorization_header(stack.token), "X-Forwarded-Proto": "https"}
        with httpx.Client(headers=headers, timeout=10) as client:
            while time.monotonic() < stop_at:
                client.get(url).raise_for_status()
                answered += 1
                time.sleep(max(0.0, min(poll_s, stop_at - time.monotonic())))  # not past the window's end
        return answered

    with ThreadPoolExecutor(TABS) as pool:
        requests = sum(pool.map(tab, range(TABS)))
    elapsed = time.monotonic() - started
    opened = mysql_connections(stack.mysql_url) - before - 1  # not the second count's own connection
    with prod.log_path.open("rb") as log:
        log.seek(log_start)
        calls = sum(1 for line in log.read().decode(errors="replace").splitlines() if HEALTH_CALL.match(line))
    cache_periods = elapsed / CACHE_S
    figure.value, figure.baseline = calls, 2 * requests  # uncached: two calls per answer
    figure.notes.update(
        {
            "cache_periods": rounded(cache_periods),
            "calls_per_period": rounded(calls / cache_periods),
            "tabs": TABS,
            "requests": requests,
            "seconds": rounded(elapsed),
            "health_calls": calls,
            "mysql_connections_opened": opened,
            "mysql_connections_per_period": rounded(opened / cache_periods),
        }
    )
    say(
        f"  {requests} answers in {elapsed:.1f} s: {calls} /health calls "
        f"({calls / cache_periods:.2f} per {CACHE_S:g} s), {opened} MySQL connections opened"
    )
