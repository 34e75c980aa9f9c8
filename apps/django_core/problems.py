"""Problem details (RFC 9457) for django_core: Django's own errors and DRF's exceptions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from apps.common.problems import PROBLEM_MEDIA_TYPE, problem_body

GetResponse = Callable[[HttpRequest], HttpResponse]  # a Django middleware's next step

log = logging.getLogger(__name__)


def problem_response(request: HttpRequest, status: int, detail: str | None = None, **extensions: Any) -> JsonResponse:
    body = problem_body(status, detail, instance=request.path, **extensions)
    return JsonResponse(body, status=status, content_type=PROBLEM_MEDIA_TYPE)


def problem_middleware(get_response: GetResponse) -> GetResponse:
    """Turn Django's HTML error pages (404, 405, 500…) into problem documents.

    With DEBUG on, a 500 keeps Django's debug page: that is where a developer wants the trace.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return problem_response(request, 413, _too_big_detail())
        response = get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or not content_type.startswith("text/html"):
            return response
        if response.status_code >= 500 and settings.DEBUG:
            return response
        return _with_headers_of(response, problem_response(request, response.status_code))

    return middleware


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """DRF's handler, re-shaped as a problem; validation errors list each invalid field.

    A Django ValidationError (from a model's ``full_clean`` in a service function) is a 400 too, or a
    409 when all it says is that a unique value (a symbol) is taken.
    """
    request = context["request"]
    if _only_taken_values(exc) or isinstance(exc, IntegrityError):  # IntegrityError: a concurrent write took it
        detail = "; ".join(str(m) for ms in getattr(exc, "message_dict", {}).values() for m in ms) or str(exc)
        return problem_response(request, 409, f"Conflicts with what is stored: {detail}")
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    if isinstance(exc, (OperationalError, InterfaceError)):
        # MySQL is down or the connection broke: the service is unavailable, the request is fine.
        log.warning("MySQL unavailable on %s %s: %s", request.method, request.path, exc)
        problem = problem_response(request, 503, "MySQL is unavailable; retry when GET /health/ answers 200.")
        problem["Retry-After"] = "5"
        return problem
    if isinstance(exc, RequestDataTooBig):  # a body sent without Content-Length, counted while read
        return problem_response(request, 413, _too_big_detail())
    response = exception_handler(exc, context)
    if response is None:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(request, 500, "The server failed to handle this request.")
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        problem = problem_response(request, response.status_code, str(data["detail"]))
    else:
        problem = problem_response(request, response.status_code, "The request is invalid.", errors=_field_errors(data))
    return _with_headers_of(response, problem)


def _only_taken_values(exc: Exception) -> bool:
    """A Django ValidationError (a model's ``full_clean``) whose every error is a unique value already taken."""
    if not isinstance(exc, DjangoValidationError) or not hasattr(exc, "error_dict"):
        return False
    return all(error.code == "unique" for errors in exc.error_dict.values() for error in errors)


def _declared_length(request: HttpRequest) -> int:
    length = request.META.get("CONTENT_LENGTH", "")
    return int(length) if length.isdigit() else 0


def _too_big_detail() -> str:
    return f"The request body is larger than this service accepts ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes)."


def _field_errors(data: object, field: str = "") -> list[dict[str, str]]:
    """DRF's nested error data as the shared ``errors`` list: one entry per field and message."""
    if isinstance(data, dict):
        return [e for key, value in data.items() for e in _field_errors(value, f"{field}.{key}" if field else str(key))]
    if isinstance(data, list):
        return [e for item in data for e in _field_errors(item, field)]
    name = "body" if field in ("", "non_field_errors") else field
    return [{"field": name, "message": str(data)}]


def _with_headers_of(original: HttpResponse, problem: HttpResponse) -> HttpResponse:
    """Keep the headers that tell a client what to do next."""
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if header in original:
            problem[header] = original[header]
    return problem


def server_error(request: HttpRequest) -> JsonResponse:
    return problem_response(request, 500, "The server failed to handle this request.")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """Django's CSRF refusal as a problem: the form must be sent from the page, with its token."""
    return problem_response(request, 403, f"CSRF verification failed ({reason}): send the form from the page itself.")
