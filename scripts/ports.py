"""Say, before anything starts, whether the stack's ports are free.

    python -m scripts.ports [--profile dev]

Exits 1 with one line per port already in use (and which process holds it, when that can be
known), instead of one service failing with a traceback and the whole stack going down.
"""

from __future__ import annotations

import sys

from apps.common.config import SERVICES, ConfigError, current_profile
from scripts.profile_option import profile_parser
from scripts.stack_processes import port_holder


def service_ports(profile: str) -> dict[str, tuple[str, int]]:
    """Each service's (bind host, port) under ``profile``."""
    from apps.django_core.env import load_settings as django_settings
    from apps.fastapi_market.settings import load_settings as market_settings
    from apps.flask_regime.settings import load_settings as regime_settings

    django, market, regime = django_settings(profile), market_settings(profile), regime_settings(profile)
    loaded = {
        "django_core": (django.common.bind_host, django.port),
        "fastapi_market": (market.common.bind_host, market.port),
        "flask_regime": (regime.common.bind_host, regime.port),
    }
    return {name: loaded[name] for name in SERVICES}


def main(argv: list[str] | None = None) -> int:
    parser = profile_parser("python -m scripts.ports", __doc__)
    args = parser.parse_args(argv)
    try:
        ports = service_ports(args.profile or current_profile())
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    busy = 0
    for service, (host, port) in ports.items():
        holder = port_holder(host, port)
        if holder is not None:
            busy += 1
            print(f"ports: {service} cannot start: port {port} on {host} is in use by {holder}", file=sys.stderr)
    if not busy:
        print(f"ports: {', '.join(str(p) for _, p in ports.values())} free", file=sys.stderr)
    return 1 if busy else 0


if __name__ == "__main__":
    sys.exit(main())
