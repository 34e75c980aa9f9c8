"""The internal token as a Flask ``before_request`` hook."""

from flask import Response, current_app, request

from apps.common.auth import AUTH_HEADER, token_problem
from apps.flask_regime.problems import problem_response


def require_internal_token() -> Response | None:
    """401 without the token, 403 with a wrong one; None lets the request through."""
    settings = current_app.config["REGIME_SETTINGS"]
    problem = token_problem(request.headers.get(AUTH_HEADER), settings.common.internal_api_token)
    if problem:
        status, detail = problem
        return problem_response(status, detail, headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)
    return None
