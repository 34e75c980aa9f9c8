"""Every route of the three services, read from each framework's own URL map (never listed by hand).

Each route is given as one concrete path (path parameters filled with a sample), the form the
map defines, and with whether a path is in the map (for the other form of a path). Each path also
names its route as the access table (apps/common/access.py) does: the pattern the map writes
(Django's admin, all of it, is the one route ``admin/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from fastapi.routing import iter_route_contexts
from starlette.routing import Match, Mount

from apps.django_core.routes import ADMIN

SAMPLE = "ZZSLASH"  # a path parameter no test stores (a symbol, a file name, an object id)
SAMPLES_BY_CONVERTER = {"int": "0", "uuid": "00000000-0000-0000-0000-000000000000"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<pattern>[^()]*)\)")


@dataclass(frozen=True)
class UrlMap:
    service: str
    paths: list[str]  # one concrete path per route, as its map writes it
    is_route: Callable[[str], bool]  # whether a path is in the map (for some method)
    routes: dict[str, str]  # each path's route, as the access table names it


def django_url_map() -> UrlMap:
    """django_core's URLconf, walked through its includes; the admin's catch-all counts as no route
    (Django marks it ``no_append_slash`` for the same reason)."""
    routes: dict[str, str] = {}

    def walk(patterns, prefix: str, route_prefix: str, admin: bool) -> None:
        for entry in patterns:
            piece = _django_sample(entry.pattern)
            route = route_prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + piece, route, admin or entry.app_name == "admin")
            elif isinstance(entry, URLPattern):
                routes["/" + prefix + piece] = ADMIN if admin else route

    walk(get_resolver().url_patterns, "", "", False)

    def is_route(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return getattr(match.func, "should_append_slash", True)

    return UrlMap("django_core", sorted(routes), is_route, routes)


def _django_sample(pattern) -> str:
    text = str(pattern)
    if not isinstance(pattern, RoutePattern):  # re_path()
        return _regex_sample(text)
    return _CONVERTER.sub(lambda m: SAMPLES_BY_CONVERTER.get(m["converter"] or "str", SAMPLE), text)


def _regex_sample(regex: str) -> str:
    """A path a route's regex matches: each named group filled with the first sample that fits it."""

    def group(match: re.Match) -> str:
        for candidate in (SAMPLE, "0", "tower", ""):
            if re.fullmatch(match["pattern"], candidate):
                return candidate
        raise AssertionError(f"no sample path for the group {match[0]} in {regex}")

    text = _GROUP.sub(group, regex.removeprefix("^").removesuffix("$"))
    return text.replace("/?", "")


def fastapi_url_map(app) -> UrlMap:
    """fastapi_market's routes and mounts, in the app's router."""
    routes: dict[str, str] = {}
    for context in iter_route_contexts(app.router.routes):  # included routers' routes too
        if isinstance(context.original_route, Mount):
            routes[f"{context.path}/{SAMPLE}"] = str(context.path)
        else:
            routes[re.sub(r"\{[^}]+\}", SAMPLE, context.path)] = str(context.path)

    def is_route(path: str) -> bool:
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        return any(route.matches(scope)[0] is not Match.NONE for route in app.router.routes)

    return UrlMap("fastapi_market", sorted(routes), is_route, routes)


def flask_url_map(app) -> UrlMap:
    """flask_regime's URL map (Werkzeug rules)."""
    adapter = app.url_map.bind("127.0.0.1")
    routes = {
        adapter.build(rule.endpoint, {name: SAMPLE for name in rule.arguments}): rule.rule
        for rule in app.url_map.iter_rules()
    }
    return UrlMap("flask_regime", sorted(routes), lambda path: bool(adapter.allowed_methods(path)), routes)


def three_url_maps() -> list[UrlMap]:
    """The URL maps of the three services, as the test profile builds their apps."""
    from apps.fastapi_market.main import create_app as create_fastapi_app
    from apps.fastapi_market.settings import load_settings as load_fastapi_settings
    from apps.flask_regime import create_app as create_flask_app

    return [
        django_url_map(),
        fastapi_url_map(create_fastapi_app(load_fastapi_settings("test"))),
        flask_url_map(create_flask_app()),
    ]
