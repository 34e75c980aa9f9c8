"""The access table (apps/common/access.py) enforced on every request to fastapi_market.

An ASGI middleware, so every route, mount and docs page is under it, those added later too: it
finds the route a request is for, tells the caller by its token, and answers the table's refusal
(apps/common/auth.py) before anything reads the body. A path that is no route goes on, to its 404
or its slash's 308. The caller is kept in the scope's state (``request.state.caller``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.common.auth import access_refusal
from apps.fastapi_market.problems import problem_response
from apps.fastapi_market.settings import SERVICE, Settings


class AccessMiddleware:
    def __init__(self, app: ASGIApp, router: Router, settings: Settings):
        self.app, self.router, self.settings = app, router, settings

    def route_of(self, scope: Scope) -> str | None:
        """The route ``scope`` is for, as the app's router writes it; None when it is no route."""
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path", ""))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.route_of(scope) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        caller = self.settings.common.tokens.caller(request.headers.get("authorization"))
        refused = access_refusal(SERVICE, route, scope["method"], caller, self.settings.common.profile)
        if refused is not None:
            response = problem_response(request, refused.status, refused.detail, headers=refused.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)
