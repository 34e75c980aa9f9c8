"""Internal endpoints: for whoever runs the service (the access table gives them to the operator)."""

from flask import Blueprint, Response, current_app, jsonify

from apps.common.contracts import LogLevelChange
from apps.common.internal import log_level_change, settings_report
from apps.flask_regime.bodies import parse_body
from apps.flask_regime.settings import SERVICE, parse_settings

bp = Blueprint("internal", __name__, url_prefix="/internal")


@bp.get("/settings")
def read_settings() -> Response:
    """This service's resolved settings and their sources, secrets masked."""
    settings = current_app.config["REGIME_SETTINGS"]
    return jsonify(settings_report(SERVICE, parse_settings, settings.common.profile))


@bp.put("/log-level")
def update_log_level() -> Response:
    """Change this process's log level until it restarts."""
    return jsonify(log_level_change(SERVICE, parse_body(LogLevelChange)).model_dump())
