"""Request IDs: taken from ``X-Request-ID`` (or made), returned, logged and passed on."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "X-Request-ID"
# What a client may send: short, and nothing that could forge a log line.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def accept_request_id(sent: str | None) -> str:
    """The client's ID when it is a safe token, else a new one."""
    if sent and _ACCEPTED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The ID of the request being handled in this context, if any."""
    return _current.get()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make ``request_id`` current; pass the returned token to ``reset_request_id``."""
    return _current.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)
