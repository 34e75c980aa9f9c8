"""Killed under a write, nothing acknowledged is lost, and the counts stay exact with no repair step.

As `make run` does: `local_db ensure` starts the private FerretDB + PostgreSQL in the background,
the dev Procfile's `databases` line (`local_db watch`) follows it, and fastapi_market writes to it.
A client keeps posting bars while PostgreSQL, FerretDB or fastapi_market itself is killed with
SIGKILL: the database programs come back by themselves within 10 s, fastapi_market is started again
as its process manager would. Every acknowledged bar is stored with its values; once the client has
sent the refused batches again, GET /series counts exactly the bars a reader pages through, and that
is exactly the distinct bars sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from apps.common.config import REPO_ROOT, var_dir
from scripts import process_groups
from scripts.local_db import ensure, stop
from scripts.private_db.servers import MongoServer, server_files_remove
from tests.ingest import (
    BatchLog,
    counts_add_up,
    make_bars,
    post_bars,
    read_back,
    series_counts,
    stored_bars,
    unique_set,
)
from tests.stack import clean_env, free_port, http_status, wait_until

BATCH = 50
RESTART_WITHIN_S = 10
DATABASE = "aetherion_market_test"


class WatchedMongo:
    """A private FerretDB + PostgreSQL started by `ensure`, `local_db watch` following it, and
    fastapi_market on it (started, killed and started again by the test)."""

    def __init__(self, tmp_path: Path):
        from apps.common.databases import MongoTarget

        port, api_port = free_port(), free_port()
        self.url = f"mongodb://127.0.0.1:{port}/"
        self.port = port
        self.server = MongoServer(MongoTarget(self.url, DATABASE), "test")
        self.env = clean_env(MONGO_URL=self.url, FASTAPI_MARKET_PORT=str(api_port))
        self.market = f"http://127.0.0.1:{api_port}"
        self.logs = tmp_path
        self.watch: subprocess.Popen | None = None
        self.service: subprocess.Popen | None = None

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as log:
            return process_groups.start(argv, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def market_start(self) -> None:
        self.service = self.start("fastapi", [sys.executable, "-m", "apps.fastapi_market"])
        wait_until(lambda: http_status(f"{self.market}/health") == 200, 60, "fastapi_market /health = 200")

    def watch_log(self) -> str:
        return (self.logs / "watch.log").read_text()

    def close(self) -> None:
        for child in (self.service, self.watch):
            if child is not None and child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(20)
        stop(self.server)
        server_files_remove(var_dir() / "test", "mongo", self.port)


@pytest.fixture(scope="module")
def watched_mongo(tmp_path_factory):
    """For the module's tests (each kills a program, and waits for it to answer again); everything
    stopped and removed afterwards."""
    watched = WatchedMongo(tmp_path_factory.mktemp("watched-mongo"))
    try:
        ensure(watched.server)
        watched.watch = watched.start("watch", [sys.executable, "-m", "scripts.local_db", "watch", "mongo"])
        watched.market_start()
        wait_until(lambda: "watching the private FerretDB + PostgreSQL" in watched.watch_log(), 30, "watch started")
        yield watched
    finally:
        watched.close()


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


def kill(watched: WatchedMongo, program: str) -> None:
    """SIGKILL ``program``; wait until it is back: restarted by `local_db watch`, or (fastapi_market) by us."""
    server = watched.server
    if program == "fastapi_market":
        assert watched.service is not None
        process_groups.signal_group(watched.service.pid, signal.SIGKILL)  # the uvicorn master and its workers
        watched.service.wait(10)
        watched.market_start()
        return
    victim = server.cluster if program == "postgresql" else server
    killed = int(victim.pid_file.read_text())
    os.kill(killed, signal.SIGKILL)

    def restarted() -> bool:
        return int(victim.pid_file.read_text()) != killed and server.answers() and server.cluster.answers()

    took = wait_until(restarted, RESTART_WITHIN_S, f"{program} restarted and answering", interval=0.1)
    print(f"\n{program} SIGKILLed: answering again after {took:.2f} s")
    assert f"{program} restarted (pid " in watched.watch_log()


@pytest.mark.parametrize("program", ["postgresql", "ferretdb", "fastapi_market"])
def test_a_killed_program_loses_no_acknowledged_bar_and_the_counts_stay_exact(watched_mongo, program):
    symbol = f"RST.{program.upper()[:4]}"
    log, stop_writing = BatchLog(), threading.Event()
    writer = threading.Thread(target=keep_writing, args=(watched_mongo.market, symbol, log, stop_writing))
    writer.start()
    try:
        wait_until(lambda: len(log.acknowledged) >= 5, 60, "some batches acknowledged")
        kill(watched_mongo, program)
        acknowledged_before = len(log.acknowledged)
        wait_until(lambda: len(log.acknowledged) >= acknowledged_before + 5, 60, "writes acknowledged again")
    finally:
        stop_writing.set()
        writer.join(60)
    print(f"{len(log.acknowledged)} batches acknowledged, {len(log.unacknowledged)} not")
    acknowledged = unique_set(log.acknowledged_bars())
    stored = stored_bars(watched_mongo.url, DATABASE, [symbol])
    assert acknowledged.items() <= stored.items()  # every acknowledged bar, with its values
    assert all(counts_add_up(report, len(batch)) for batch, report in log.acknowledged)

    with httpx.Client() as client:  # what was refused (or whose answer was lost), sent again
        for batch in log.unacknowledged:
            response = post_bars(watched_mongo.market, batch, client)
            assert response.status_code == 200, response.text
    sent = unique_set(log.acknowledged_bars() + [bar for batch in log.unacknowledged for bar in batch])
    paged = read_back(watched_mongo.market, [symbol])
    assert series_counts(watched_mongo.market, [symbol]) == {symbol: len(paged)}  # no rebuild step
    assert paged == sent == stored_bars(watched_mongo.url, DATABASE, [symbol])
