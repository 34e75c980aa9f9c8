"""The baselines scripts/bench.py serves: bare "hello" apps of the three frameworks, and a naive relay.

Each is a factory, run by the same servers and worker counts as the real services:

    gunicorn 'scripts.bench_apps:flask_hello()'         gunicorn 'scripts.bench_apps:django_hello()'
    uvicorn --factory scripts.bench_apps:fastapi_hello   uvicorn --factory scripts.bench_apps:naive_relay

The naive relay (BENCH_FLASK_URL) opens a new connection per call from a sync handler (the
standard library's urlopen, like ``requests.get``): what apps/common/http_async.py's pooled client is
measured against.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest, JsonResponse
    from fastapi import FastAPI
    from flask import Flask


def fastapi_hello() -> FastAPI:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/health")
    async def hello() -> dict[str, str]:
        return {"status": "ok"}

    return app


def naive_relay() -> FastAPI:
    import json
    import urllib.request

    from fastapi import FastAPI

    url = f"{os.environ['BENCH_FLASK_URL']}/health"
    app = FastAPI()

    @app.get("/check-regime")
    def relay() -> dict[str, str]:  # sync: FastAPI runs it in its thread pool
        # A new connection per call, as requests.get does (httpx.get would also build an SSL context).
        with urllib.request.urlopen(url, timeout=5) as response:
            report = json.loads(response.read())
        return {"status": "flask_regime running" if report.get("status") == "ok" else "down"}

    return app


def flask_hello() -> Flask:
    from flask import Flask

    app = Flask("hello")

    @app.get("/health")
    def hello() -> dict[str, str]:
        return {"status": "ok"}

    return app


def django_hello() -> WSGIHandler:
    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-hello-app-not-a-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
    )
    django.setup()
    return get_wsgi_application()


def _django_hello_view(request: HttpRequest) -> JsonResponse:
    from django.http import JsonResponse

    return JsonResponse({"status": "ok"})


def __getattr__(name: str) -> Any:
    # Django's URL resolver reads ``urlpatterns`` from ROOT_URLCONF (this module) after setup.
    if name == "urlpatterns":
        from django.urls import path

        return [path("health/", _django_hello_view)]
    raise AttributeError(name)
