"""A private server that dies comes back (issue 11): under `make run`, `local_db watch` restarts it.

As `make run` does: `local_db ensure` starts the private FerretDB + PostgreSQL in the background,
the dev Procfile's `databases` line (`local_db watch`) follows it, and fastapi_market writes to it.
A client keeps posting bars while PostgreSQL, then FerretDB, is killed with SIGKILL; with no step
by hand, the server answers again within 10 s and every acknowledged bar is stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from apps.common.config import REPO_ROOT, var_dir
from scripts import process_groups
from scripts.local_db import ensure, stop
from scripts.private_db.servers import MongoServer, server_files_remove
from tests.ingest import BatchLog, make_bars, post_bars, stored_bars, unique_set
from tests.stack import clean_env, free_port, http_status, wait_until

BATCH = 50
RESTART_WITHIN_S = 10


@pytest.fixture(scope="module")
def watched_mongo(tmp_path_factory):
    """A private FerretDB + PostgreSQL started by `ensure`, `local_db watch` following it, and
    fastapi_market on it, for the module's tests (each kills a program, and waits for it to answer
    again); everything stopped and removed afterwards."""
    from apps.common.databases import MongoTarget

    tmp_path = tmp_path_factory.mktemp("watched-mongo")
    port, api_port = free_port(), free_port()
    url = f"mongodb://127.0.0.1:{port}/"
    server = MongoServer(MongoTarget(url, "aetherion_market_test"), "test")
    env = clean_env(MONGO_URL=url, FASTAPI_MARKET_PORT=str(api_port))
    children: list[subprocess.Popen] = []
    try:
        ensure(server)
        watch_log = tmp_path / "watch.log"
        with watch_log.open("wb") as log:
            children.append(
                process_groups.start(
                    [sys.executable, "-m", "scripts.local_db", "watch", "mongo"],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        with (tmp_path / "fastapi.log").open("wb") as log:
            children.append(
                process_groups.start(
                    [sys.executable, "-m", "apps.fastapi_market"],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        market = f"http://127.0.0.1:{api_port}"
        wait_until(lambda: http_status(f"{market}/health") == 200, 60, "fastapi_market /health = 200")
        wait_until(lambda: "watching the private FerretDB + PostgreSQL" in watch_log.read_text(), 30, "watch started")
        yield server, market, url, watch_log
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(20)
        stop(server)
        server_files_remove(var_dir() / "test", "mongo", port)


def keep_writing(market: str, symbol: str, log: BatchLog, stop_writing: threading.Event) -> None:
    """Post batches of new bars until told to stop; each answer recorded (a failure is not an ack)."""
    bars = make_bars(symbol, 20_000)
    with httpx.Client() as client:
        for start in range(0, len(bars), BATCH):
            if stop_writing.is_set():
                return
            batch = bars[start : start + BATCH]
            try:
                response = post_bars(market, batch, client, timeout=15)
            except httpx.HTTPError:
                response = None
            log.record(batch, response)
            time.sleep(0.02)


@pytest.mark.parametrize("program", ["postgresql", "ferretdb"])
def test_a_killed_database_program_is_restarted_and_no_acknowledged_bar_is_lost(watched_mongo, program):
    server, market, url, watch_log = watched_mongo
    victim = server.cluster if program == "postgresql" else server
    log, stop_writing = BatchLog(), threading.Event()
    writer = threading.Thread(target=keep_writing, args=(market, f"RST.{program.upper()[:4]}", log, stop_writing))
    writer.start()
    try:
        wait_until(lambda: len(log.acknowledged) >= 5, 60, "some batches acknowledged")
        killed = int(victim.pid_file.read_text())
        os.kill(killed, signal.SIGKILL)

        def restarted() -> bool:
            pid = server.cluster.pid_file.read_text() if program == "postgresql" else server.pid_file.read_text()
            return int(pid) != killed and server.answers() and server.cluster.answers()

        took = wait_until(restarted, RESTART_WITHIN_S, f"{program} restarted and answering", interval=0.1)
        acknowledged_before = len(log.acknowledged)
        wait_until(lambda: len(log.acknowledged) >= acknowledged_before + 5, 60, "writes acknowledged again")
    finally:
        stop_writing.set()
        writer.join(60)
    print(
        f"\n{program} SIGKILLed: answering again after {took:.2f} s; {len(log.acknowledged)} batches "
        f"acknowledged, {len(log.unacknowledged)} not"
    )
    assert f"{program} restarted (pid " in watch_log.read_text()
    acknowledged = unique_set(log.acknowledged_bars())
    stored = stored_bars(url, "aetherion_market_test", [f"RST.{program.upper()[:4]}"])
    assert acknowledged.items() <= stored.items()  # every acknowledged bar, with its values
