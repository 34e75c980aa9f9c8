"""Health: flask_regime is stateless, so ready means running."""

from flask import Blueprint, jsonify

from apps.common.health import health_report

bp = Blueprint("health", __name__)


@bp.get("/health")
def read_health():
    """Readiness: no dependencies to check."""
    status, body = health_report("flask_regime", {})
    return jsonify(body), status
