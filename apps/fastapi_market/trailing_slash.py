"""The trailing-slash rule (apps.common.trailing_slash) for fastapi_market.

Starlette's own ``redirect_slashes`` answers 307 with an absolute URL built from the Host header;
this answers the rule's 308 with a path. It runs as the router's ``default`` app, which Starlette
calls only when no route matched the path (a route that matched for another method answers 405
itself), so every route, mount and docs page added later follows the rule.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send

from apps.common.trailing_slash import SLASH_REDIRECT_STATUS, redirect_location, slash_twin


def install_trailing_slash_rule(router: Router) -> None:
    """Make ``router`` answer the rule's 308 instead of its 404 when the slash twin is a route."""
    router.redirect_slashes = False
    router.default = TrailingSlashRedirect(router)


class TrailingSlashRedirect:
    def __init__(self, router: Router):
        self.router = router
        self.not_found = router.not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = self._location(scope) if scope["type"] == "http" else None
        if location is None:
            await self.not_found(scope, receive, send)
            return
        await Response(status_code=SLASH_REDIRECT_STATUS, headers={"Location": location})(scope, receive, send)

    def _location(self, scope: Scope) -> str | None:
        twin = slash_twin(scope["path"])
        if twin is None:
            return None
        twin_scope = {**scope, "path": twin}
        if not any(route.matches(twin_scope)[0] is not Match.NONE for route in self.router.routes):
            return None
        # The path as the client sent it (still percent-encoded), its slash toggled.
        sent = scope.get("raw_path") or quote(scope["path"]).encode()
        sent_twin = slash_twin(sent.decode("latin-1"))
        if sent_twin is None:
            return None
        return redirect_location(sent_twin, scope.get("query_string", b"").decode("latin-1"))
