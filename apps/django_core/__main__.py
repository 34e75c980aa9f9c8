"""django_core's manage.py: ``python -m apps.django_core <command>``.

``serve`` runs the development server on the configured host and port (``--noreload`` and
runserver's other options apply), and starts even while MySQL is down.
"""

import io
import os
import sys

from django.core.management import execute_from_command_line

from apps.common.config import ConfigError
from apps.django_core.env import load_settings


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
    if isinstance(sys.stdout, io.TextIOWrapper):  # not when a caller replaced it
        sys.stdout.reconfigure(line_buffering=True)
    try:
        load_settings()  # fail here, in one line a problem, rather than deep in Django
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
