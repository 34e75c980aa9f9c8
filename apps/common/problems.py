"""RFC 9457 problem details: the one error format every service answers with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from apps.common.request_id import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_body(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    instance: str | None = None,
    problem_type: str = "about:blank",
    **extensions: Any,
) -> dict[str, Any]:
    """A problem document (the Problem contract); ``title`` defaults to the status phrase.

    ``request_id`` is the current request's, so a client can quote it and we can find the log line.
    """
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": problem_type,
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "instance": instance,
        "request_id": current_request_id(),
    }
    body.update(extensions)
    return body


def invalid_fields(errors: Sequence[Mapping[str, object]]) -> list[dict[str, str]]:
    """Pydantic-style errors (``loc``, ``msg``) as the ``errors`` extension: one entry per field."""
    return [{"field": _field_name(error.get("loc", ())), "message": str(error.get("msg", ""))} for error in errors]


def _field_name(loc: object) -> str:
    parts: Iterable[object] = loc if isinstance(loc, list | tuple) else ()
    return ".".join(str(part) for part in parts) or "body"
