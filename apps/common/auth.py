"""Tokens: who sends a request, told apart by the token in its ``Authorization`` header.

Each caller that calls others has a token of its own (``OPERATOR_TOKEN``, ``DJANGO_CORE_TOKEN``,
``FASTAPI_MARKET_TOKEN``). A service keeps only the SHA-256 digests of the tokens it accepts
(``ACCEPTED_TOKENS``), so the configuration of one that is broken into hands no one a token; two
digests for one caller let a token be rotated with no downtime. What each caller may then do is
the access table's (apps/common/access.py). Digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from apps.common.access import TOKEN_CALLERS, Caller, allowed, route_methods, rule_for

AUTH_HEADER = "Authorization"
SCHEME = "Bearer"


def authorization_header(token: str) -> dict[str, str]:
    """The header a caller sends its token in."""
    return {AUTH_HEADER: f"{SCHEME} {token}"}


def tokens_environment(tokens: dict[Caller, str]) -> dict[str, str]:
    """The variables that give each caller of ``tokens`` its token and every service their digests:
    ``OPERATOR_TOKEN``… and ``ACCEPTED_TOKENS`` (for a deployment, a test or the bench)."""
    return {
        **{f"{caller.upper()}_TOKEN": token for caller, token in tokens.items()},
        "ACCEPTED_TOKENS": ",".join(f"{caller}:{token_digest(token)}" for caller, token in tokens.items()),
    }


def token_digest(token: str) -> str:
    """The token's SHA-256, as ``ACCEPTED_TOKENS`` lists it (hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def accepted_parse(text: str) -> dict[str, Caller]:
    """``operator:<sha256>,django_core:<sha256>,…`` as {digest: caller}; a ValueError says what is wrong."""
    accepted: dict[str, Caller] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        caller, _, digest = item.partition(":")
        if caller not in TOKEN_CALLERS:
            raise ValueError(f"{caller!r} is not a caller with a token ({', '.join(TOKEN_CALLERS)})")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{caller}'s digest must be 64 hex digits (the token's SHA-256)")
        accepted[digest] = caller
    return accepted


@dataclass(frozen=True)
class Tokens:
    """A process's own token (what it sends; empty when it calls no one) and the digests it accepts."""

    own: str = ""
    accepted: dict[str, Caller] = field(default_factory=dict)

    def caller(self, header_value: str | None) -> Caller | tuple[int, str]:
        """Who sent ``header_value``: ``anonymous`` without one, the caller whose token it carries, or
        (401 or 403, what is wrong) for a header that is malformed or a token not accepted here."""
        if not header_value:
            return "anonymous"
        scheme, _, sent = header_value.partition(" ")
        if scheme.lower() != SCHEME.lower() or not sent.strip():
            return 401, "The Authorization header must be: Bearer <token>."
        digest = token_digest(sent.strip())
        found: Caller | None = None
        for known, caller in self.accepted.items():  # every digest compared: the time says nothing
            if hmac.compare_digest(known, digest):
                found = caller
        return found if found is not None else (403, "This token is not one this service accepts.")

    def callers(self) -> list[str]:
        """The callers whose tokens are accepted, each once."""
        return sorted(set(self.accepted.values()))


@dataclass(frozen=True)
class Refusal:
    """The problem a request the access table refuses gets."""

    status: int
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


def access_refusal(
    service: str, route: str, method: str, caller: Caller | tuple[int, str], profile: str
) -> Refusal | None:
    """None when ``caller`` (or the problem with its token) may call ``method`` on ``route``; else why
    not: 401 when a token would do, 403 for a caller the table refuses, a route it lacks, or what only
    a staff login opens; 405 (with the table's ``Allow``) for a method it names no rule for (OPTIONS is
    asked as GET)."""
    methods = route_methods(service, route)
    rule = rule_for(service, route, method)
    where = f"{method} {route or '/'}"
    if isinstance(caller, tuple):
        status, detail = caller
    elif not methods:
        status, detail = 403, f"{route or '/'} has no rule in the access table: no one may call it."
    elif rule is None:
        return Refusal(405, f"{route or '/'} takes {', '.join(methods)}.", {"Allow": ", ".join(methods)})
    elif allowed(service, route, method, caller, profile):
        return None
    else:
        status, detail = _refusal(rule.callers(profile), caller, where, service)
    return Refusal(status, detail, {"WWW-Authenticate": SCHEME} if status == 401 else {})


def _refusal(callers: frozenset[Caller], caller: Caller, where: str, service: str) -> tuple[int, str]:
    """The status and detail for ``caller``, whom a rule allowing ``callers`` refuses."""
    by_token = bool(callers & set(TOKEN_CALLERS))
    by_login = "staff" in callers
    if caller == "anonymous" and by_token:
        login = "a staff login or " if by_login else ""
        return 401, f"{where} needs {login}a token: Authorization: Bearer <token>."
    if caller in ("anonymous", "user") and by_login:
        return 403, "Log in as a staff user to do this."
    return 403, f"{caller} may not {where} of {service}."
