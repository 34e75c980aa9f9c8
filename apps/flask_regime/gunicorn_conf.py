"""gunicorn's settings for flask_regime, from config/ (see apps.common.server).

``gunicorn --config python:apps.flask_regime.gunicorn_conf``
"""

from apps.common.server import gunicorn_config
from apps.flask_regime.settings import load_settings

globals().update(gunicorn_config(load_settings, "apps.flask_regime:create_app()"))
