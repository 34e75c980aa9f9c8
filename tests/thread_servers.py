"""A service's real app served over real HTTP from a thread of the test process.

For the framework-client tests whose service calls another over HTTP (fastapi_market calls
flask_regime; the Control Tower calls both): the callee is the real app on the real databases,
served by werkzeug (WSGI) or uvicorn (ASGI) on a free port, with no process to start or stop.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scripts.stack_processes import wait_until


@contextmanager
def wsgi_served(app: Any) -> Iterator[str]:
    """``app`` (WSGI) served by werkzeug's threaded server; its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="wsgi-served", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def asgi_served(app: Any) -> Iterator[str]:
    """``app`` (ASGI) served by uvicorn with its lifespan, on its own event loop; its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="asgi-served", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), 60, "uvicorn serving in its thread")
        if not server.started:
            raise AssertionError("uvicorn stopped before it served (see the log above)")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
