"""The access table (apps/common/access.py) enforced on every request to fastapi_market.

An ASGI middleware, so every route, mount and docs page is under it, those added later too: it
finds the route a request is for, tells the caller by its token, and answers the table's refusal
(apps/common/auth.py) before anything reads the body. A path that is no route goes on, to its 404
or its slash's 308. The caller is kept in the scope's state (``request.state.caller``).
"""

from __future__ import annotations

import re
from functools import cached_property

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import Mount, Router, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.common.auth import access_refusal
from apps.fastapi_market.problems import problem_response
from apps.fastapi_market.settings import SERVICE, Settings


class AccessMiddleware:
    def __init__(self, app: ASGIApp, router: Router, settings: Settings):
        self.app, self.router, self.settings = app, router, settings

    @cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        """Each route's path pattern and its route as the table names it, in the router's order (the
        routes of included routers too; a mount covers every path under it). Built at the first
        request, when every route is in place."""
        patterns = []
        for context in iter_route_contexts(self.router.routes):
            path = str(context.path)
            if isinstance(context.original_route, Mount):
                patterns.append((compile_path(path + "/{rest:path}")[0], path))
            patterns.append((compile_path(path)[0], path))
        return patterns

    def route_of(self, scope: Scope) -> str | None:
        """The route ``scope`` is for, as the app's router writes it; None when it is no route."""
        return next((route for pattern, route in self.patterns if pattern.match(scope["path"])), None)

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
