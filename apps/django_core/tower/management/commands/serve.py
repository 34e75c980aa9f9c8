"""``serve``: the Procfile's name for this project's ``runserver`` (see runserver.py): the
development server on the configured host and port, which starts even while MySQL is down."""

from apps.django_core.tower.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "Run the development server on BIND_HOST:DJANGO_CORE_PORT from config/ (the Procfile's runserver)."
