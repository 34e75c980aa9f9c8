"""The deploy checks: Django's own (``check --deploy``) and the project's, which fail on warnings.

They run before anything serves or migrates in production: as the first step of the migrate job
(``scripts/bootstrap_db.py``), in gunicorn's master before it starts a worker, and in ``serve`` /
``runserver``. The project's checks (tag ``aetherion``, deploy only):

- ``aetherion.W001``: a route of django_core's URL map has no rule in the access table
  (apps/common/access.py). The middleware refuses such a route to everyone; the check says so
  before a deployment ships a page no one can open.
- ``aetherion.W002``: ACCEPTED_TOKENS accepts no operator's token, so nothing can register an
  instrument or load market data.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from apps.common.access import route_methods
from apps.django_core.routes import SERVICE, url_routes


@register("aetherion", deploy=True)
def routes_in_the_access_table(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(
            f"The route {route or '/'!r} has no rule in the access table: it is refused to every caller.",
            hint="Add its rules to TABLE in apps/common/access.py (docs/security.md).",
            id="aetherion.W001",
        )
        for route in dict.fromkeys(url_routes())
        if not route_methods(SERVICE, route)
    ]


@register("aetherion", deploy=True)
def operator_token_accepted(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if "operator" in settings.CONFIG.common.tokens.callers():
        return []
    return [
        Warning(
            "ACCEPTED_TOKENS has no operator's digest: no one can register instruments or load market data.",
            hint="python -m scripts.config token operator",
            id="aetherion.W002",
        )
    ]


def deploy_check_report() -> str | None:
    """Run Django's deploy checks and the project's (``check --deploy --fail-level WARNING``): None
    when nothing is reported, else Django's report of what is wrong."""
    import os

    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.django_core.settings")
    django.setup()
    output = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=output, stderr=output)
    except SystemCheckError as exc:
        return str(exc).strip()
    return None
