"""WSGI entry point for django_core (production servers import ``application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
application = get_wsgi_application()
