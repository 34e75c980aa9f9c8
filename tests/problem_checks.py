"""What the tests check in an error answer: an RFC 9457 problem document."""

from __future__ import annotations

from typing import Any

import httpx

from apps.common.contracts import Problem
from apps.common.problems import PROBLEM_MEDIA_TYPE

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "request_id"}


def assert_problem_parts(status: int, content_type: str, body: dict, where: str) -> None:
    """A problem: the media type, every member, the status repeated, a detail that says something."""
    assert content_type == PROBLEM_MEDIA_TYPE, where
    assert set(body) >= PROBLEM_MEMBERS and status == body["status"] and body["detail"], where


def assert_problem(response: httpx.Response, status: int | None = None) -> dict:
    """``response`` is a problem document (with ``status``, when given); returns its body."""
    where = f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:300]}"
    if status is not None:
        assert response.status_code == status, where
    assert_problem_parts(response.status_code, response.headers.get("content-type", ""), response.json(), where)
    return response.json()


def assert_no_5xx_and_errors_are_problems(response: httpx.Response) -> None:
    assert response.status_code < 500, f"{response.request.url} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        assert_problem(response)


def problem(response: Any, status: int) -> Problem:
    """``response`` (of Django's or Flask's test client, or an httpx/Starlette one) is a ``status``
    problem document carrying the request's X-Request-ID; returns it parsed."""
    assert response.status_code == status, getattr(response, "text", None) or response.content
    headers = response.headers
    assert headers["Content-Type"].split(";")[0].strip() == PROBLEM_MEDIA_TYPE
    parsed = Problem.model_validate(response.get_json() if hasattr(response, "get_json") else response.json())
    assert parsed.status == status and parsed.request_id == headers["X-Request-ID"]
    return parsed
