"""flask_regime: the stateless Regime engine (Flask, app factory)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.flask_regime.settings import load_settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``test_config`` overrides the loaded settings in tests."""
    app = Flask(__name__)
    settings = load_settings()
    app.config.from_mapping(REGIME_SETTINGS=settings)
    app.json.sort_keys = False  # keep documents in the order they are built
    if test_config:
        app.config.update(test_config)

    from apps.flask_regime import health, problems

    problems.init_app(app)
    app.register_blueprint(health.bp)
    return app
