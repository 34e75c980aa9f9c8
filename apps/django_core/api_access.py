"""The access table (apps/common/access.py) as DRF's defaults: the permission every API view checks,
and the authentication that names the Bearer scheme in a 401.

The caller is the one apps/django_core/access.py's middleware found. This module imports no DRF
views: DRF imports it from its settings while its views load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import permissions
from rest_framework.authentication import BaseAuthentication

from apps.common.access import allowed
from apps.common.auth import SCHEME
from apps.django_core.routes import SERVICE, route_of

if TYPE_CHECKING:  # types only, never imported at run time (see above)
    from rest_framework.request import Request
    from rest_framework.views import APIView


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
