"""The access table (apps/common/access.py) enforced on every request to flask_regime, before any view."""

from flask import Flask, Response, current_app, g, request

from apps.common.auth import AUTH_HEADER, access_refusal
from apps.flask_regime.problems import problem_response
from apps.flask_regime.settings import SERVICE


def check_access() -> Response | None:
    """The table's refusal as a problem; None lets the request through (a path that is no route goes
    on to its 404, 405 or slash redirect)."""
    if request.url_rule is None:
        return None
    common = current_app.config["REGIME_SETTINGS"].common
    caller = common.tokens.caller(request.headers.get(AUTH_HEADER))
    refused = access_refusal(SERVICE, request.url_rule.rule, request.method, caller, common.profile)
    if refused is not None:
        return problem_response(refused.status, refused.detail, headers=refused.headers)
    g.caller = caller
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_access)
