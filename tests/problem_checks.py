"""What the fault and fuzz tests check in an error answer: an RFC 9457 problem document."""

from __future__ import annotations

import httpx

from apps.common.problems import PROBLEM_MEDIA_TYPE

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "request_id"}


def assert_problem_parts(status: int, content_type: str, body: dict, where: str) -> None:
    """A problem: the media type, every member, the status repeated, a detail that says something."""
    assert content_type == PROBLEM_MEDIA_TYPE, where
    assert PROBLEM_MEMBERS <= set(body) and body["status"] == status and body["detail"], where


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
