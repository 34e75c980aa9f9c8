"""flask_regime: the stateless Regime engine (Flask, app factory)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from apps.common.logging import configure_logging
from apps.flask_regime.settings import SERVICE, load_settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``test_config`` overrides the loaded settings in tests."""
    app = Flask(__name__)
    settings = load_settings()
    # Bodies above this get a 413 problem: 200,000 closes with timestamps fit comfortably.
    app.config.from_mapping(REGIME_SETTINGS=settings, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    if test_config:
        app.config.update(test_config)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keep documents in the order they are built
    configure_logging(SERVICE, settings.common.log_level, settings.common.log_format)

    from apps.flask_regime import (
        auth,
        health,
        internal,
        problems,
        regime,
        regime_markov,
        request_context,
        trailing_slash,
    )

    request_context.init_app(app)
    problems.init_app(app)
    trailing_slash.init_app(app)
    auth.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(internal.bp)
    app.register_blueprint(regime.bp)
    app.register_blueprint(regime_markov.bp)
    return app
