"""Request IDs and the one log line per request, as Django middleware."""

import time

from django.http import HttpRequest, HttpResponse

from apps.common.logging import log_request
from apps.common.request_id import REQUEST_ID_HEADER, accept_request_id, bind_request_id, reset_request_id


def request_context_middleware(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = bind_request_id(request_id)
        started = time.perf_counter()
        try:
            response = get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = (time.perf_counter() - started) * 1000
            log_request(request.method, request.path, response.status_code, duration_ms, request_id)
            return response
        finally:
            reset_request_id(token)

    return middleware
