"""``runserver``: Django's development server on the configured host and port, MySQL or not.

Django's own reads the migration state at start and dies when MySQL is not up yet; this one says
so in one line (with what to do: `make databases`, `make bootstrap` or the setting to fix) and
serves anyway, so /health/ answers 503 until MySQL appears. Static files are WhiteNoise's, as in
every profile (it takes the place of django.contrib.staticfiles' runserver, listed after tower). In
the production profile the deploy checks run first, and a warning stops it
(apps/django_core/deploy_checks.py).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.runserver import Command as DjangoRunserverCommand
from django.db import DatabaseError

from apps.common.mysql_advice import mysql_advice
from apps.common.setting_home import setting_home
from apps.django_core.env import SERVICE

log = logging.getLogger(__name__)


class Command(DjangoRunserverCommand):
    help = "Run the development server; by default on BIND_HOST:DJANGO_CORE_PORT from config/."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `runserver 8000` binds the configured interface, as `runserver` alone does.
        self.default_addr = settings.CONFIG.common.bind_host

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(addrport=f"{settings.CONFIG.common.bind_host}:{settings.CONFIG.port}")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CONFIG.common.profile == "production":
            from apps.django_core.deploy_checks import deploy_check_report

            report = deploy_check_report()
            if report:
                raise CommandError(f"not serving: the deploy checks failed.\n{report}")
        super().handle(*args, **options)

    def check_migrations(self) -> None:
        try:
            super().check_migrations()
        except DatabaseError as exc:
            home = setting_home("MYSQL_URL", SERVICE, settings.CONFIG.common.profile)
            advice = mysql_advice(settings.CONFIG.mysql, exc, home=home)
            log.warning("MySQL is not reachable yet (%s); serving anyway, /health/ says 503 until it is", advice)
