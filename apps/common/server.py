"""How the production servers run a service: worker counts and timeouts from config/.

Django and Flask run under gunicorn (``gunicorn -c python:apps.<service>.gunicorn_conf``);
FastAPI runs under uvicorn's own worker manager (``python -m apps.fastapi_market``). Each
service sets ``<SERVICE>_WORKERS`` (and, under gunicorn, ``<SERVICE>_THREADS``) in its own env
file; ``SERVER_TIMEOUT`` and ``SERVER_GRACEFUL_TIMEOUT`` in config/common.env apply to all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow.validate import Range

from apps.common.config import ConfigError, ServiceConfig


@dataclass(frozen=True)
class ServerSettings:
    workers: int
    threads: int
    # Seconds one request may take before its worker is replaced.
    timeout: int
    # Seconds a stopping server gives requests in flight; keep it under the platform's grace period.
    graceful_timeout: int


def parse_server(config: ServiceConfig) -> ServerSettings:
    env = config.env
    prefix = config.service.upper()
    return ServerSettings(
        workers=env.int(f"{prefix}_WORKERS", 1, validate=Range(min=1, max=64)),
        threads=env.int(f"{prefix}_THREADS", 1, validate=Range(min=1, max=256)),
        timeout=env.int("SERVER_TIMEOUT", 30, validate=Range(min=1)),
        graceful_timeout=env.int("SERVER_GRACEFUL_TIMEOUT", 10, validate=Range(min=1)),
    )


def gunicorn_settings(bind_host: str, port: int, server: ServerSettings, wsgi_app: str) -> dict[str, Any]:
    """gunicorn's settings for one service (threads > 1 selects the gthread worker)."""
    return {
        "wsgi_app": wsgi_app,
        "bind": [f"{bind_host}:{port}"],
        "workers": server.workers,
        "threads": server.threads,
        # gthread workers keep connections open between requests, so callers can reuse them.
        "worker_class": "gthread" if server.threads > 1 else "sync",
        "keepalive": 5,
        "timeout": server.timeout,
        "graceful_timeout": server.graceful_timeout,
        # Our middleware writes one line per request; gunicorn's access log would repeat it.
        "accesslog": None,
        "errorlog": "-",
        "proc_name": wsgi_app.split(".")[1],
        # No gunicornc control socket: two services would share its default path in $HOME.
        "control_socket_disable": True,
    }


def gunicorn_config(load_settings: Callable[[], Any], wsgi_app: str) -> dict[str, Any]:
    """A gunicorn config module's globals; a config problem stops gunicorn with its message."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise SystemExit(str(exc)) from None  # one clear message instead of gunicorn's traceback
    return gunicorn_settings(settings.common.bind_host, settings.port, settings.server, wsgi_app)
