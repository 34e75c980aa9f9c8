"""django_core's routes as the access table (apps/common/access.py) names them: the route a request
resolves to, and every route of the URL map. Django's admin is one route, ``admin/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

SERVICE = "django_core"
ADMIN = "admin/"


def route_of(request: HttpRequest) -> str | None:
    """The route of the table ``request`` is for; None for a path that is no route."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return ADMIN if match.app_name == "admin" else match.route


def url_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL map, as ``route_of`` names the route of a request."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                yield ADMIN
            else:
                yield from url_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)
