"""Plain ASGI middleware: request IDs and the one log line per request; the request body limit."""

from __future__ import annotations

import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apps.common.logging import log_request
from apps.common.problems import PROBLEM_MEDIA_TYPE, problem_body
from apps.common.request_id import REQUEST_ID_HEADER, accept_request_id, bind_request_id, reset_request_id

_HEADER = REQUEST_ID_HEADER.lower().encode()


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(_HEADER, b"").decode("latin-1")
        request_id = accept_request_id(sent)
        token = bind_request_id(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
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


class BodyLimitMiddleware:
    """Refuse request bodies above ``limit`` bytes with a 413 problem.

    A declared Content-Length above the limit is refused before the body is read; a body sent
    without one (chunked) is counted while it streams and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            body = problem_body(413, self._detail(f"{int(declared):,} bytes"), instance=scope["path"])
            await JSONResponse(body, status_code=413, media_type=PROBLEM_MEDIA_TYPE)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # raised inside the route: the problem handlers answer it
                    raise HTTPException(413, self._detail(f"more than {self.limit:,} bytes"))
            return message

        await self.app(scope, counted_receive, send)

    def _detail(self, size: str) -> str:
        return f"The request body ({size}) is larger than this service accepts ({self.limit:,} bytes)."
