"""The internal token as a Django view decorator."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.common.auth import AUTH_HEADER, token_problem
from apps.django_core.problems import problem_response


def internal_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """401 without the token, 403 with a wrong one."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = token_problem(request.headers.get(AUTH_HEADER), settings.CONFIG.common.internal_api_token)
        if problem:
            status, detail = problem
            response = problem_response(request, status, detail)
            if status == 401:
                response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return guarded
