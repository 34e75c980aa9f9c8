"""The access table (apps/common/access.py) enforced on every request to django_core, before any view.

The caller is the token's (``Authorization: Bearer``), else the person Django's session logged in
(``staff`` or ``user``), else ``anonymous``; it is kept as ``request.caller``. A page the table
refuses to a person sends them to the login page; anything else refused is the table's problem.
Django's admin is one route in the table: its login page is everyone's, and it checks staff itself.
DRF views check the table again (apps/django_core/api_access.py), so a view is never open because
the middleware was left out.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from apps.common.access import Caller, rule_for
from apps.common.auth import AUTH_HEADER, access_refusal
from apps.django_core.problems import GetResponse, problem_response
from apps.django_core.routes import SERVICE, route_of


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
        if rule is not None and rule.page and caller in ("anonymous", "user"):  # a person: to the login page
            return redirect_to_login(request.get_full_path())
        response = problem_response(request, refused.status, refused.detail)
        for name, value in refused.headers.items():
            response[name] = value
        return response

    return middleware
