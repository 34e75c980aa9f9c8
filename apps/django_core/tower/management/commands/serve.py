"""``serve``: the development server on the configured host and port, MySQL or not.

Django's runserver reads the migration state at start and dies when MySQL is not up yet; this
one says so in a line and serves anyway, so /health/ answers 503 until MySQL appears.
"""

import logging

from django.conf import settings
from django.core.management.base import CommandParser
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import DatabaseError

log = logging.getLogger(__name__)


class Command(RunserverCommand):
    help = "Run the development server on BIND_HOST:DJANGO_CORE_PORT from config/."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(addrport=f"{settings.CONFIG.common.bind_host}:{settings.CONFIG.port}")

    def check_migrations(self) -> None:
        try:
            super().check_migrations()
        except DatabaseError as exc:
            log.warning("MySQL is not reachable yet (%s); serving anyway, /health/ says 503 until it is", exc)
