"""The Day-1 plan's entry point: ``python manage.py <command>`` in this folder, or
``python apps/django_core/manage.py <command>`` from the repository root.

The same as ``python -m apps.django_core <command>`` (``__main__.py``): the same settings, read
from the checkout's config/ whatever the working directory. ``apps`` imports from here because
`make setup` installs the project in .venv (editable).
"""

import sys

from apps.django_core.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
