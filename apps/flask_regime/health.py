"""Health: flask_regime is stateless, so ready means running."""

from flask import Blueprint, Response, jsonify

from apps.common.health import health_report, liveness_report
from apps.flask_regime.settings import SERVICE

bp = Blueprint("health", __name__)


@bp.get("/health")
def read_health() -> tuple[Response, int]:
    """Readiness: no dependencies to check."""
    status, body = health_report(SERVICE, {})
    return jsonify(body), status


@bp.get("/health/live")
def read_liveness() -> Response:
    """Liveness: the process answers."""
    return jsonify(liveness_report(SERVICE))
