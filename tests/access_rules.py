"""A rule in the access table for a route a test adds to an app (a route the table lacks is refused)."""

from __future__ import annotations

import pytest

from apps.common import access


def allow_route(monkeypatch: pytest.MonkeyPatch, service: str, route: str, methods: tuple[str, ...] = ("GET",)) -> None:
    """Let everyone call ``methods`` of ``route`` of ``service`` for this test."""
    rule = access.Rule(service, route, methods, access.EVERYONE, access.EVERYONE, why="a test's own route")
    monkeypatch.setattr(access, "TABLE", (*access.TABLE, rule))
