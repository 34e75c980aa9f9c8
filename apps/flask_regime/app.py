"""The Day-1 plan's entry point: ``python app.py`` in this folder (or ``python apps/flask_regime/app.py``
from the repository root) serves flask_regime on its configured host and port (FLASK_REGIME_PORT, 8002).

The same as ``python -m apps.flask_regime`` (``__main__.py``; ``--reload`` applies): the same
settings, read from the checkout's config/ whatever the working directory. ``apps`` imports from
here because `make setup` installs the project in .venv (editable).
"""

import sys

from apps.flask_regime.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
