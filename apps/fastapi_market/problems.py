"""Problem details (RFC 9457) for fastapi_market: HTTP errors, validation, the unexpected."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from apps.common.problems import PROBLEM_MEDIA_TYPE, invalid_fields, problem_body
from apps.common.request_id import REQUEST_ID_HEADER, current_request_id
from apps.common.service_calls import ServiceCallError

log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


RETRY_AFTER_SECONDS = "5"


def problem_response(
    request: Request,
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_body(status, detail, instance=request.url.path, **extensions)
    if status == 503:  # whatever is unavailable (MongoDB, flask_regime), say when to try again
        headers = {"Retry-After": RETRY_AFTER_SECONDS, **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, headers=exc.headers, **exc.extensions)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, 422, "The request is invalid.", errors=invalid_fields(list(exc.errors())))

    @app.exception_handler(ServiceCallError)
    async def on_service_call_error(request: Request, exc: ServiceCallError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail)

    @app.exception_handler(PyMongoError)
    async def on_database_unavailable(request: Request, exc: PyMongoError) -> JSONResponse:
        # Server selection timed out, the connection broke, a read timed out or the server refused an
        # operation (FerretDB while its PostgreSQL restarts): MongoDB is not available, the request is
        # not wrong. One warning line, no traceback; the client may retry.
        log.warning("MongoDB unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        detail = f"MongoDB is unavailable ({type(exc).__name__}); retry when GET /health answers 200."
        return problem_response(request, 503, detail)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Answered outside the request middleware: add the ID it would have added.
        headers = {REQUEST_ID_HEADER: current_request_id() or ""}
        return problem_response(request, 500, "The server failed to handle this request.", headers=headers)
