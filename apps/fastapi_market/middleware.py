"""Request IDs and the one log line per request, as a plain ASGI middleware."""

from __future__ import annotations

import time

from apps.common.logging import log_request
from apps.common.request_id import REQUEST_ID_HEADER, accept_request_id, bind_request_id, reset_request_id

_HEADER = REQUEST_ID_HEADER.lower().encode()


class RequestContextMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(_HEADER, b"").decode("latin-1")
        request_id = accept_request_id(sent)
        token = bind_request_id(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The error handler outside this middleware answers 500; it still sees the request ID.
            log_request(scope["method"], scope["path"], 500, _ms(started), request_id)
            raise
        log_request(scope["method"], scope["path"], status, _ms(started), request_id)
        reset_request_id(token)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
