"""The access table (apps/common/access.py) enforced on every request to django_core, before any view.

The caller is the token's (``Authorization: Bearer``), else the person Django's session logged in
(``staff`` or ``user``), else ``anonymous``; it is kept as ``request.caller``. A page the table
refuses to a person sends them to the login page; anything else refused is the table's problem.
Django's admin is one route in the table: its login page is everyone's, and it checks staff itself.
DRF views also check the table through ``AccessTablePermission`` (the default permission), so a view
is never open because the middleware was left out.

This module imports no DRF views: DRF imports it from settings while its views load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from rest_framework import permissions
from rest_framework.authentication import BaseAuthentication

from apps.common.access import Caller, allowed, rule_for
from apps.common.auth import AUTH_HEADER, SCHEME, access_refusal
from apps.django_core.problems import GetResponse, problem_response

if TYPE_CHECKING:  # types only, never imported at run time (see above)
    from rest_framework.request import Request
    from rest_framework.views import APIView

SERVICE = "django_core"
ADMIN = "admin/"


def route_of(request: HttpRequest) -> str | None:
    """The route of the table ``request`` is for; None for a path that is no route."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return ADMIN if match.app_name == "admin" else match.route


def is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def caller_of(request: HttpRequest) -> Caller | tuple[int, str]:
    """Who sent ``request``: its token's caller, else the session's person, else anonymous."""
    header = request.headers.get(AUTH_HEADER)
    if header:
        return settings.CONFIG.common.tokens.caller(header)
    if request.user.is_authenticated and request.user.is_active:
        return "staff" if is_staff(request) else "user"
    return "anonymous"


def access_middleware(get_response: GetResponse) -> GetResponse:
    """Refuse what the table does not allow (after Django's authentication, before the views)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        route = route_of(request)
        if route is None:
            return get_response(request)
        caller = caller_of(request)
        refused = access_refusal(SERVICE, route, request.method or "GET", caller, settings.CONFIG.common.profile)
        if refused is None:
            request.caller = caller  # type: ignore[attr-defined]  # what the views and DRF read
            return get_response(request)
        rule = rule_for(SERVICE, route, request.method or "GET")
        if rule is not None and rule.page and caller == "anonymous":
            return redirect_to_login(request.get_full_path())
        response = problem_response(request, refused.status, refused.detail)
        for name, value in refused.headers.items():
            response[name] = value
        return response

    return middleware


class AccessTablePermission(permissions.BasePermission):
    """DRF's default permission: what the table allows the caller the middleware found (none: refused)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        caller = getattr(request._request, "caller", None)
        route = route_of(request._request)
        profile = settings.CONFIG.common.profile
        method = request.method or "GET"
        return caller is not None and route is not None and allowed(SERVICE, route, method, caller, profile)


class BearerChallenge(BaseAuthentication):
    """Authenticates no one (the access middleware tells the caller); it names the scheme, so a DRF
    401 carries ``WWW-Authenticate: Bearer``. Unlike SessionAuthentication it enforces no CSRF
    check: a write comes with a token, never with a browser's session."""

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return SCHEME
