"""The one trailing-slash rule every service follows.

Each URL has one canonical form: the one in the service's URL map (django_core's end in ``/``,
fastapi_market's and flask_regime's do not). A request for the other form, when only that one is
in the map, answers ``308 Permanent Redirect`` to the canonical URL, query string kept, no body:
a 308 keeps the method and the body, so a client that follows redirects sends the same request
there. Each service asks its own URL map; this module knows no framework.
"""

from __future__ import annotations

SLASH_REDIRECT_STATUS = 308


def slash_twin(path: str) -> str | None:
    """``path`` with its trailing slash removed, or with one added; None for the root."""
    if path in ("", "/"):
        return None
    return path[:-1] if path.endswith("/") else f"{path}/"


def redirect_location(encoded_path: str, query: str = "") -> str:
    """The Location of the redirect: a path on this host (never ``//host``), the query kept."""
    target = "/" + encoded_path.lstrip("/")  # a leading "//" would send the client to another host
    return f"{target}?{query}" if query else target
