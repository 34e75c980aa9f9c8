"""The trailing-slash rule (apps.common.trailing_slash) for flask_regime, as a request hook.

Werkzeug answers a path that misses a rule's slash with a 308 whose body is an HTML page, and a
path with a slash the rule lacks with a 404. This hook runs before the routing error is raised and
answers both with the rule's body-less 308, asking the app's URL map, so every rule added later
follows the rule with nobody listing it.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from apps.common.trailing_slash import SLASH_REDIRECT_STATUS, redirect_location, slash_twin


def redirect_to_canonical_url() -> Response | None:
    """The rule's 308 when routing found the path's slash twin; None lets the request go on."""
    failure = request.routing_exception
    if isinstance(failure, RequestRedirect):  # Werkzeug's own redirect (a missing slash, merged slashes)
        target = urlsplit(failure.new_url)
        return _redirect(redirect_location(target.path, target.query))
    if not isinstance(failure, NotFound):
        return None
    twin = slash_twin(request.path)
    adapter = current_app.create_url_adapter(request)
    if twin is None or adapter is None or not adapter.allowed_methods(twin):
        return None
    return _redirect(redirect_location(quote(request.root_path + twin), request.query_string.decode("latin-1")))


def _redirect(location: str) -> Response:
    response = Response(status=SLASH_REDIRECT_STATUS, headers={"Location": location})
    del response.headers["Content-Type"]  # no body, so no media type (and never an HTML page)
    return response


def init_app(app: Flask) -> None:
    app.before_request(redirect_to_canonical_url)
