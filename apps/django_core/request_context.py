"""Request IDs and the one log line per request, as Django middleware; quiet 503 logging."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.common.logging import log_request
from apps.common.request_id import REQUEST_ID_HEADER, accept_request_id, bind_request_id, reset_request_id

GetResponse = Callable[[HttpRequest], HttpResponse]  # a Django middleware's next step


def request_context_middleware(get_response: GetResponse) -> GetResponse:
    def middleware(request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = bind_request_id(request_id)
        started = time.perf_counter()
        try:
            response = get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = (time.perf_counter() - started) * 1000
            log_request(request.method or "GET", request.path, response.status_code, duration_ms, request_id)
            return response
        finally:
            reset_request_id(token)

    return middleware


def _not_an_answered_503(record: logging.LogRecord) -> bool:
    return not (getattr(record, "status_code", None) == 503 and record.exc_info is None)


def quiet_unavailable_health() -> None:
    """Drop Django's error lines ("Service Unavailable", runserver's "GET … 503") for a 503 answered on purpose.

    A 503 says a dependency is down (health, or a request needing MySQL): the request line and,
    for MySQL, one warning line already say so; an error line per health probe would bury real errors.
    """
    for name in ("django.request", "django.server"):
        logging.getLogger(name).addFilter(_not_an_answered_503)
