"""gunicorn's settings for django_core, from config/ (see apps.common.server).

``gunicorn --config python:apps.django_core.gunicorn_conf``

In the production profile the master runs the deploy checks before it starts a worker
(apps/django_core/deploy_checks.py): a warning stops it with the report.
"""

import os
from typing import Any

from apps.common.server import gunicorn_config
from apps.django_core.env import load_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
globals().update(gunicorn_config(load_settings, "apps.django_core.wsgi:application"))


def on_starting(server: Any) -> None:
    """gunicorn's hook, in the master before any worker: production's deploy checks."""
    if load_settings().common.profile != "production":
        return
    from apps.django_core.deploy_checks import deploy_check_report

    report = deploy_check_report()
    if report:
        raise SystemExit(f"django_core: not serving: the deploy checks failed.\n{report}")
