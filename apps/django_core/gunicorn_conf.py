"""gunicorn's settings for django_core, from config/ (see apps.common.server).

``gunicorn --config python:apps.django_core.gunicorn_conf``
"""

import os

from apps.common.server import gunicorn_config
from apps.django_core.env import load_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
globals().update(gunicorn_config(load_settings, "apps.django_core.wsgi:application"))
