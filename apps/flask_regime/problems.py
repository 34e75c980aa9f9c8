"""Problem details (RFC 9457) for flask_regime: Werkzeug's HTTP errors and the unexpected."""

from __future__ import annotations

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from apps.common.problems import PROBLEM_MEDIA_TYPE, invalid_fields, problem_body
from apps.flask_regime.bodies import InvalidBody


def problem_response(status: int, detail: str | None = None, headers=None, **extensions) -> Response:
    body = problem_body(status, detail, instance=request.path, **extensions)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE, headers=headers)


def on_http_error(exc: HTTPException) -> Response:
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    extensions = {"errors": invalid_fields(exc.errors)} if isinstance(exc, InvalidBody) else {}
    return problem_response(exc.code or 500, exc.description, headers=headers, **extensions)


def on_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return on_http_error(exc)
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, InternalServerError.description)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, on_http_error)
    app.register_error_handler(Exception, on_unexpected)
