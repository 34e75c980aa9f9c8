"""Django settings under pytest: always the hermetic test profile (config/test.env)."""

import os

os.environ["APP_ENV"] = "test"

from apps.django_core.settings import *  # noqa: E402,F403

# pytest-django runs the tests with DEBUG off, where static files would come from collectstatic's
# output under hashed names; these tests serve and name them from the source files, as the dev
# profile does (tests/deploy/ checks the production server's collected, hashed files).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Test users' passwords with a fast hasher: PBKDF2's deliberate cost is most of a second per user here (the
# other profiles keep Django's default).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
