"""Who may see and do what on the dashboard (settings.DASHBOARD_LOGIN_REQUIRED says whether reading needs a login).

Reading: open in the dev and test profiles; in production a logged-in, active staff user. Writing:
a logged-in, active staff user in every profile, and Django's CSRF check (a POST from the page).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from apps.django_core.problems import problem_response

View = Callable[..., HttpResponseBase]


def is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def page_readable(view: View) -> View:
    """A page: without the right to read it, the login page (which comes back here)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if settings.DASHBOARD_LOGIN_REQUIRED and not is_staff(request):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


def data_readable(view: View) -> View:
    """Data a page fetches: without the right to read it, a 403 problem (a script cannot log in)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if settings.DASHBOARD_LOGIN_REQUIRED and not is_staff(request):
            return problem_response(request, 403, "Log in as a staff user to read the dashboard's data.")
        return view(request, *args, **kwargs)

    return guarded


def staff_writes(view: View) -> View:
    """An action that writes: only a logged-in staff user (the CSRF middleware checks the token)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff(request):
            return problem_response(request, 403, "Log in as a staff user to do this.")
        return view(request, *args, **kwargs)

    return guarded
