"""The internal token for DRF: reads public, writes guarded.

This module imports no DRF views: DRF imports it from settings while its views load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication

from apps.common.auth import AUTH_HEADER, SCHEME, token_problem

if TYPE_CHECKING:  # types only, never imported at run time (see above)
    from rest_framework.request import Request
    from rest_framework.views import APIView


class InternalTokenForWrites(permissions.BasePermission):
    """Reads are public; writes need the internal token: 401 without it, 403 with a wrong one."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        problem = token_problem(request.headers.get(AUTH_HEADER), settings.CONFIG.common.internal_api_token)
        if problem is None:
            return True
        status, detail = problem
        raise exceptions.NotAuthenticated(detail) if status == 401 else exceptions.PermissionDenied(detail)


class BearerChallenge(BaseAuthentication):
    """Authenticates no one (InternalTokenForWrites checks the token); it names the scheme.

    DRF answers NotAuthenticated with 401 and ``WWW-Authenticate`` only when an authentication
    class gives that header, and turns it into a 403 otherwise. Unlike SessionAuthentication,
    it enforces no CSRF check, so service-to-service writes work.
    """

    def authenticate(self, request: Request) -> None:
        return None

    def authenticate_header(self, request: Request) -> str:
        return SCHEME
