"""The trailing-slash rule (apps.common.trailing_slash) for django_core, as middleware.

It replaces Django's ``APPEND_SLASH``, which answers a write to a URL without its slash with a 500
(``DEBUG``) or a 301 that drops the body. It asks Django's URL resolver, so every URL added later
follows the rule with nobody listing it. A catch-all view marked ``no_append_slash`` (the admin's)
does not count as a match: Django uses that mark for the same question.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.encoding import escape_uri_path, iri_to_uri

from apps.common.trailing_slash import SLASH_REDIRECT_STATUS, redirect_location, slash_twin

GetResponse = Callable[[HttpRequest], HttpResponse]  # a Django middleware's next step


def trailing_slash_middleware(get_response: GetResponse) -> GetResponse:
    def middleware(request: HttpRequest) -> HttpResponse:
        location = canonical_location(request)
        if location is None:
            return get_response(request)
        response = HttpResponse(status=SLASH_REDIRECT_STATUS)
        response["Location"] = location
        del response["Content-Type"]  # no body, so no media type (and never an HTML page)
        return response

    return middleware


def canonical_location(request: HttpRequest) -> str | None:
    """Where to redirect ``request``: its path with the slash toggled, when only that one is a URL."""
    urlconf = getattr(request, "urlconf", None)
    path = request.path_info
    twin = slash_twin(path)
    if twin is None or _routes_to_a_view(path, urlconf) or not _routes_to_a_view(twin, urlconf):
        return None
    script_prefix = request.path[: len(request.path) - len(path)]
    return redirect_location(escape_uri_path(script_prefix + twin), iri_to_uri(request.META.get("QUERY_STRING", "")))


def _routes_to_a_view(path: str, urlconf: str | None) -> bool:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return bool(getattr(match.func, "should_append_slash", True))
