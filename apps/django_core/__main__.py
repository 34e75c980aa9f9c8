"""django_core's manage.py: ``python -m apps.django_core <command>`` (``apps/django_core/manage.py``
runs this too).

``serve`` and ``runserver`` run the development server, by default on the configured host and port
(``--noreload`` and runserver's other options apply), and start even while MySQL is down. A command
that cannot reach MySQL (``migrate``, ``createsuperuser``, …) says so in one line, with what to do,
and exits 1.
"""

import io
import os
import sys

from django.core.management import execute_from_command_line
from django.db import OperationalError

from apps.common.config import ConfigError
from apps.common.mysql_advice import OTHER, error_kind, mysql_advice
from apps.common.setting_home import setting_home
from apps.django_core.env import SERVICE, load_settings


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
    if isinstance(sys.stdout, io.TextIOWrapper):  # not when a caller replaced it
        sys.stdout.reconfigure(line_buffering=True)
    try:
        settings = load_settings()  # fail here, in one line a problem, rather than deep in Django
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        execute_from_command_line(argv)
    except OperationalError as exc:
        if error_kind(exc) == OTHER:  # not about reaching the server: a real failure, with its traceback
            raise
        home = setting_home("MYSQL_URL", SERVICE, settings.common.profile)
        print(f"{SERVICE}: {mysql_advice(settings.mysql, exc, home=home)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
