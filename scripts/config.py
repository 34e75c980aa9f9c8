"""Check or show every service's configuration: each value, where it came from, what is wrong.

    python scripts/config.py check [--profile P]            validate every service's settings
    python scripts/config.py show [SERVICE] [--profile P]   each value and where it came from, and
                                                            what each token may call (never its value)
    python scripts/config.py token CALLER                   a new token for a caller, and its digest
    python scripts/config.py access                         the access table: who may call what

(also ``python -m scripts.config`` and ``aetherion-config``). The precedence of the files is
described in apps/common/config.py; this script knows which module parses each service's settings.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from urllib.parse import urlsplit

from apps.common.access import TOKEN_CALLERS, table_markdown
from apps.common.auth import Tokens
from apps.common.config import PROFILES, SERVICES, ConfigError, ServiceConfig, current_profile, read_unsealed

# Where each service declares its settings: a module with SERVICE and parse_settings(config).
SETTINGS_MODULES = {
    "django_core": "apps.django_core.env",
    "fastapi_market": "apps.fastapi_market.settings",
    "flask_regime": "apps.flask_regime.settings",
}


def inspect(service: str, profile: str | None = None) -> ServiceConfig:
    """Read ``service``'s settings without raising: ask the result for problems() and views()."""
    return read_unsealed(service, importlib.import_module(SETTINGS_MODULES[service]).parse_settings, profile)


def check(profile: str) -> int:
    """Print each service's verdict; 0 when all are valid."""
    failed = 0
    for service in SERVICES:
        problems = inspect(service, profile).problems()
        if problems:
            failed += 1
            for problem in problems:
                print(f"{service}: {problem}")
        else:
            print(f"{service}: ok")
    return 1 if failed else 0


def show(services: list[str], profile: str) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    for service in services:
        config = inspect(service, profile)
        table = Table(title=f"{service} ({profile} profile)", title_justify="left")
        for column in ("variable", "value", "source"):
            table.add_column(column)
        for view in config.views():
            table.add_row(view.name, view.value, view.source)
        console.print(table)
        for problem in config.problems():
            console.print(f"[red]problem[/]: {problem}", highlight=False)
        for line in server_lines(config):
            console.print(line, highlight=False)
        for line in token_lines(service, profile):
            console.print(line, highlight=False)
    return 0


def token_lines(service: str, profile: str) -> list[str]:
    """What the service's own token may call, and whose tokens it accepts: scopes, never values."""
    from apps.common.access import scope
    from apps.common.config import OWN_TOKEN

    common = inspect_common(service, profile)
    lines = []
    own_name = OWN_TOKEN[service]
    if own_name:
        calls = scope(service, profile)  # type: ignore[arg-type]  # a service is a caller
        lines.append(f"token {own_name} ({'set' if common.own else 'not set'}): {service} may call " + "; ".join(calls))
    else:
        lines.append(f"token: none ({service} calls no other service)")
    accepted = ", ".join(common.callers()) or "no one's (only what needs no token)"
    lines.append(f"accepts the tokens of: {accepted} (ACCEPTED_TOKENS, as SHA-256 digests)")
    return lines


def inspect_common(service: str, profile: str) -> Tokens:
    """The tokens ``service`` would have in ``profile`` (its problems are reported with the rest)."""
    from apps.common.config import ServiceConfig, parse_tokens

    return parse_tokens(ServiceConfig(service, profile))


def token(caller: str) -> int:
    """Print a new token for ``caller``, the variable it goes in, and its line for ACCEPTED_TOKENS."""
    import secrets

    from apps.common.auth import token_digest

    value = secrets.token_urlsafe(48)
    print(f"{caller.upper()}_TOKEN={value}")
    print(f"ACCEPTED_TOKENS entry: {caller}:{token_digest(value)}")
    print("(to rotate: add the entry beside the old one, deploy the new token, then remove the old entry)")
    return 0


def server_lines(config: ServiceConfig) -> list[str]:
    """Which database server answers at the configured address, named (``MariaDB 10.11.11``)."""
    from apps.common.database_probes import mongo_server_at, mysql_server_at
    from apps.common.databases import MySQLTarget

    values = config.env.dump()
    lines = []
    if values.get("MYSQL_URL"):
        try:
            value = values["MYSQL_URL"]
            target = value if isinstance(value, MySQLTarget) else MySQLTarget.from_url(str(value))
            lines.append(f"MySQL at {target.address}: {mysql_server_at(target, timeout_s=1)}")
        except ValueError:
            pass  # listed among the problems
        except Exception as exc:  # the server's own error, one line
            lines.append(f"MySQL at {target.address}: not answering ({str(exc).splitlines()[0][:120]})")
    if values.get("MONGO_URL"):
        url = values["MONGO_URL"]
        url = url.geturl() if hasattr(url, "geturl") else str(url)
        address = urlsplit(url).netloc.rsplit("@", 1)[-1]
        try:
            lines.append(f"MongoDB at {address}: {mongo_server_at(url, str(values.get('MONGO_DB') or 'test'), 1000)}")
        except Exception as exc:
            lines.append(f"MongoDB at {address}: not answering ({type(exc).__name__})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/config.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    profile_help = "config profile (default: APP_ENV, else dev)"
    parser.add_argument("--profile", choices=PROFILES, help=profile_help)
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="validate every service's configuration")
    show_parser = commands.add_parser("show", help="print resolved settings and their sources")
    show_parser.add_argument("service", nargs="?", choices=SERVICES)
    for sub in (check_parser, show_parser):  # before the command or after it, as the usage lines write it
        sub.add_argument("--profile", choices=PROFILES, help=profile_help, default=argparse.SUPPRESS)
    token_parser = commands.add_parser("token", help="make a new token for a caller, with its digest")
    token_parser.add_argument("caller", choices=TOKEN_CALLERS)
    commands.add_parser("access", help="print the access table (apps/common/access.py) as Markdown")
    args = parser.parse_args(argv)
    if args.command == "token":
        return token(args.caller)
    if args.command == "access":
        print(table_markdown(), end="")
        return 0
    try:
        profile = args.profile or current_profile()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        return check(profile)
    return show([args.service] if args.service else list(SERVICES), profile)


if __name__ == "__main__":
    sys.exit(main())
