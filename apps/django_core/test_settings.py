"""Django settings under pytest: always the hermetic test profile (config/test.env)."""

import os

os.environ["APP_ENV"] = "test"

from apps.django_core.settings import *  # noqa: E402,F403
