"""RFC 9457 problem details: the one error format every service answers with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

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
    """A problem document; ``title`` defaults to the status phrase, extensions follow."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": problem_type,
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "instance": instance,
    }
    body.update(extensions)
    return body
