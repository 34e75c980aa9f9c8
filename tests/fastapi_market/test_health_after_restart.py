"""fastapi_market's readiness after its MongoDB restarted between two checks: the pooled connection
the server dropped is not the answer; the server is."""

from __future__ import annotations

import dataclasses
import os
import signal

from fastapi.testclient import TestClient

from apps.common.databases import MongoTarget
from apps.fastapi_market.main import create_app
from apps.fastapi_market.settings import load_settings
from scripts.private_db.servers import MongoServer
from tests.stack import wait_until


def test_the_first_check_after_a_quick_restart_asks_the_server_not_a_dead_pooled_connection(own_mongodb):
    settings = load_settings("test")
    settings = dataclasses.replace(settings, mongo=MongoTarget(own_mongodb, settings.mongo.database))
    server = MongoServer(settings.mongo, "test")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200  # the pool holds a connection now
        killed = int(server.pid_file.read_text())
        os.kill(killed, signal.SIGKILL)  # `local_db run` starts it again on the same port

        def restarted() -> bool:
            return server.pid_file.read_text().strip() != str(killed) and server.answers()

        wait_until(restarted, 60, "FerretDB restarted by its supervisor")
        answer = client.get("/health")
        assert answer.status_code == 200, answer.text
