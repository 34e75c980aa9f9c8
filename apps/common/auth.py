"""The shared token that guards internal endpoints and writes between services."""

from __future__ import annotations

import hmac

AUTH_HEADER = "Authorization"
SCHEME = "Bearer"


def authorization_header(token: str) -> dict[str, str]:
    """The header a service sends with the shared token."""
    return {AUTH_HEADER: f"{SCHEME} {token}"}


def token_problem(header_value: str | None, expected: str) -> tuple[int, str] | None:
    """None when ``header_value`` carries ``expected``; else (401 or 403, what is wrong).

    The comparison takes the same time whatever the token sent.
    """
    if not header_value:
        return 401, "This endpoint needs the internal token: Authorization: Bearer <INTERNAL_API_TOKEN>."
    scheme, _, sent = header_value.partition(" ")
    if scheme.lower() != SCHEME.lower() or not sent:
        return 401, "The Authorization header must be: Bearer <INTERNAL_API_TOKEN>."
    if not hmac.compare_digest(sent.strip().encode(), expected.encode()):
        return 403, "The internal token is wrong."
    return None
