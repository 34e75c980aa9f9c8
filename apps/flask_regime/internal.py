"""Internal endpoints, behind the shared token."""

from flask import Blueprint, current_app, jsonify, request

from apps.common.auth import AUTH_HEADER, token_problem
from apps.common.contracts import LogLevelChange
from apps.common.internal import log_level_change, settings_report
from apps.flask_regime.bodies import parse_body
from apps.flask_regime.problems import problem_response
from apps.flask_regime.settings import SERVICE

bp = Blueprint("internal", __name__, url_prefix="/internal")


@bp.before_request
def require_internal_token():
    """401 without the token, 403 with a wrong one."""
    settings = current_app.config["REGIME_SETTINGS"]
    problem = token_problem(request.headers.get(AUTH_HEADER), settings.common.internal_api_token)
    if problem:
        status, detail = problem
        return problem_response(status, detail, headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)
    return None


@bp.get("/settings")
def read_settings():
    """This service's resolved settings and their sources, secrets masked."""
    settings = current_app.config["REGIME_SETTINGS"]
    return jsonify(settings_report(SERVICE, settings.common.profile))


@bp.put("/log-level")
def update_log_level():
    """Change this process's log level until it restarts."""
    return jsonify(log_level_change(SERVICE, parse_body(LogLevelChange)).model_dump())
