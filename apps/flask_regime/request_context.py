"""Request IDs and the one log line per request, as Flask request hooks."""

import time

from flask import Flask, Response, g, request

from apps.common.logging import log_request
from apps.common.request_id import REQUEST_ID_HEADER, accept_request_id, bind_request_id, reset_request_id


def start_request() -> None:
    g.request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_id_token = bind_request_id(g.request_id)
    g.started = time.perf_counter()


def finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    duration_ms = (time.perf_counter() - g.started) * 1000
    log_request(request.method, request.path, response.status_code, duration_ms, g.request_id)
    return response


def forget_request(exc: BaseException | None) -> None:
    if "request_id_token" in g:
        reset_request_id(g.pop("request_id_token"))


def init_app(app: Flask) -> None:
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(forget_request)
