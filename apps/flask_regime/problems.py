"""Problem details (RFC 9457) for flask_regime: Werkzeug's HTTP errors and the unexpected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from apps.common.problems import PROBLEM_MEDIA_TYPE, invalid_fields, problem_body
from apps.flask_regime.bodies import InvalidBody

Headers = Mapping[str, str] | Sequence[tuple[str, str]]


def problem_response(
    status: int, detail: str | None = None, headers: Headers | None = None, **extensions: Any
) -> Response:
    body = problem_body(status, detail, instance=request.path, **extensions)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE, headers=headers)


def on_http_error(exc: HTTPException) -> Response:
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    extensions = {"errors": invalid_fields(exc.errors)} if isinstance(exc, InvalidBody) else {}
    detail = exc.description
    if isinstance(exc, RequestEntityTooLarge):  # say what the limit is, as the other services do
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        detail = f"The request body is larger than this service accepts ({limit:,} bytes)."
    return problem_response(exc.code or 500, detail, headers=headers, **extensions)


def on_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return on_http_error(exc)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, InternalServerError.description)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, on_http_error)
    app.register_error_handler(Exception, on_unexpected)
