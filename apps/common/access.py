"""Who may call what: every route of the three services against every caller, in one table.

Each service asks ``allowed()`` on every request, before its view runs; a route missing from the
table is refused. docs/security.md shows the table and why each rule is what it is, and the tests
walk every route of the three URL maps against it.

Callers:

- ``anonymous``: no credential;
- ``user``, ``staff``: a person logged in to the Control Tower (Django's session), staff or not;
- ``operator``: whoever runs the platform from the command line (``make demo``, the bench, ``make
  smoke``, a cron job), with ``OPERATOR_TOKEN``;
- ``django_core``, ``fastapi_market``, ``flask_regime``: a service calling another with its own token.

Reads differ between profiles: in ``dev`` and ``test`` whoever reaches the loopback-only stack may
read it; in ``production`` only staff, the operator and the services that need it. Writes need a
credential everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Caller = Literal["anonymous", "user", "staff", "operator", "django_core", "fastapi_market", "flask_regime"]
CALLERS: tuple[Caller, ...] = get_args(Caller)
# Callers with a token of their own (flask_regime calls no one).
TOKEN_CALLERS: tuple[Caller, ...] = ("operator", "django_core", "fastapi_market")
EVERYONE: frozenset[Caller] = frozenset(CALLERS)
OPERATORS: frozenset[Caller] = frozenset({"staff", "operator"})
READ, WRITE = ("GET", "HEAD"), ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Rule:
    """Who may call ``methods`` of one route of one service, in dev (and test) and in production."""

    service: str
    route: str  # as the service's URL map writes it: "/bars/{symbol}", "api/instruments/<str:symbol>/"
    methods: tuple[str, ...]
    dev: frozenset[Caller]
    production: frozenset[Caller]
    why: str
    page: bool = False  # a page a person opens: refused, it sends them to the login page

    def callers(self, profile: str) -> frozenset[Caller]:
        return self.production if profile == "production" else self.dev


def _rules(
    service: str,
    routes: Iterable[str],
    methods: tuple[str, ...],
    dev: Iterable[Caller],
    production: Iterable[Caller] | None = None,
    *,
    why: str,
    page: bool = False,
) -> list[Rule]:
    """One rule per route of ``routes``, all alike."""
    dev_set = frozenset(dev)
    production_set = dev_set if production is None else frozenset(production)
    return [Rule(service, route, methods, dev_set, production_set, why, page) for route in routes]


DJANGO, MARKET, REGIME = "django_core", "fastapi_market", "flask_regime"
# The Control Tower's data, as pages, their JSON and the REST API: public on a dev machine, staff's
# (and the command line's) in production, the same for the pages and for the APIs behind them.
TOWER_READERS_PRODUCTION = OPERATORS
# The market engine's data: what the Control Tower reads to draw and refresh, and the operator.
MARKET_READERS_PRODUCTION: frozenset[Caller] = frozenset({"operator", "django_core"})
HEALTH = (
    "liveness and readiness: platforms and load balancers probe them with no credential; the public answer names "
    "no server and no error"
)
INTERNAL = "a service's settings and log level: for whoever runs it"
DOCS = "the API's description: a developer's on a dev machine, the operator's in production"

# fmt: off
TABLE: tuple[Rule, ...] = tuple([
    # django_core
    *_rules(DJANGO, ["health/", "^health/live/?$"], READ, EVERYONE, why=HEALTH),
    *_rules(DJANGO, ["internal/settings/"], READ, ["operator"], why=INTERNAL),
    *_rules(DJANGO, ["internal/log-level/"], ("PUT",), ["operator"], why=INTERNAL),
    *_rules(DJANGO, ["api/schema/", "api/docs/"], READ, EVERYONE, OPERATORS, why=DOCS),
    *_rules(DJANGO, ["api/instruments/", "api/instruments/<str:symbol>/", "api/snapshots/",
                     "api/snapshots/<int:snapshot_id>/"], READ, EVERYONE, TOWER_READERS_PRODUCTION,
            why="instruments and recorded regimes: what the dashboard shows, readable as the dashboard is"),
    *_rules(DJANGO, ["api/instruments/"], ("POST",), ["operator"],
            why="instruments are registered from the command line (make demo) or by staff in the admin"),
    *_rules(DJANGO, ["api/instruments/<str:symbol>/"], ("PUT", "PATCH", "DELETE"), ["operator"],
            why="as registering"),
    *_rules(DJANGO, ["api/services/"], READ, EVERYONE, TOWER_READERS_PRODUCTION,
            why="every service's health in detail (addresses, servers, errors): the dashboard's tiles"),
    *_rules(DJANGO, ["", "instruments/<str:symbol>/"], READ, EVERYONE, TOWER_READERS_PRODUCTION, page=True,
            why="the dashboard's pages: open on a dev machine, staff's in production"),
    *_rules(DJANGO, ["instruments/<str:symbol>/chart/"], READ, EVERYONE, TOWER_READERS_PRODUCTION,
            why="the chart's data, read as its page is"),
    *_rules(DJANGO, ["instruments/<str:symbol>/markov/"], READ, EVERYONE, TOWER_READERS_PRODUCTION,
            why="the P(high volatility) band under the chart, read as its page is (fastapi_market fits when no "
                "stored fit serves)"),
    *_rules(DJANGO, ["instruments/<str:symbol>/refresh/"], ("POST",), ["staff"],
            why="the Refresh regimes button: a staff member's, with Django's CSRF check"),
    *_rules(DJANGO, ["favicon.ico"], READ, EVERYONE, why="the dashboard's icon, asked for by every browser"),
    *_rules(DJANGO, ["admin/"], (*READ, "POST"), EVERYONE,
            why="Django's admin: its login page for everyone; every other page of it checks staff itself"),
    # fastapi_market
    *_rules(MARKET, ["/health", "/health/live"], READ, EVERYONE, why=HEALTH),
    *_rules(MARKET, ["/check-regime"], READ, EVERYONE,
            why="the Day-1 plan's relay check: says whether flask_regime runs, nothing more"),
    *_rules(MARKET, ["/bars", "/actions"], ("POST",), ["operator"],
            why="market data comes in from the command line or a feed job: no service writes it"),
    *_rules(MARKET, ["/bars/{symbol}", "/regime/{symbol}", "/series", "/series/{symbol}", "/actions/{symbol}"],
            READ, EVERYONE, MARKET_READERS_PRODUCTION,
            why="market data: the Control Tower reads it to draw and refresh, the operator to check"),
    *_rules(MARKET, ["/regime/{symbol}/fit"], ("POST",), ["operator", "django_core"],
            why="a Markov-switching fit made again on demand: refresh_regimes (the Control Tower) and the operator; "
                "it stores derived parameters, never market data"),
    *_rules(MARKET, ["/internal/settings"], READ, ["operator"], why=INTERNAL),
    *_rules(MARKET, ["/internal/log-level"], ("PUT",), ["operator"], why=INTERNAL),
    *_rules(MARKET, ["/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static-offline-docs"],
            READ, EVERYONE, ["operator"], why=DOCS),
    # flask_regime
    *_rules(REGIME, ["/health", "/health/live"], READ, EVERYONE, why=HEALTH),
    *_rules(REGIME, ["/regime"], ("POST",), ["operator", "django_core", "fastapi_market"],
            why="the regime maths: fastapi_market's regimes, the Control Tower's chart bands"),
    *_rules(REGIME, ["/regime/markov", "/regime/markov/filter"], ("POST",),
            ["operator", "django_core", "fastapi_market"],
            why="the Markov-switching maths: fastapi_market fits and filters its volatility regimes"),
    *_rules(REGIME, ["/internal/settings"], READ, ["operator"], why=INTERNAL),
    *_rules(REGIME, ["/internal/log-level"], ("PUT",), ["operator"], why=INTERNAL),
    *_rules(REGIME, ["/static/<path:filename>"], READ, [], why="Flask's own static route: the engine serves no file"),
])
# fmt: on


def rule_for(service: str, route: str, method: str) -> Rule | None:
    """The rule of ``method`` on ``route`` (OPTIONS is answered as the route's GET), or None."""
    wanted = "GET" if method in ("OPTIONS", "HEAD") else method
    return next((r for r in TABLE if (r.service, r.route) == (service, route) and wanted in r.methods), None)


def route_methods(service: str, route: str) -> tuple[str, ...]:
    """The methods the table has a rule for on ``route`` (none: the route is not in the table)."""
    named = {method for rule in TABLE if (rule.service, rule.route) == (service, route) for method in rule.methods}
    return tuple(method for method in (*READ, *WRITE) if method in named)


def allowed(service: str, route: str, method: str, caller: Caller, profile: str) -> bool:
    """Whether ``caller`` may call ``method`` on ``route`` of ``service`` (a route or method the table
    does not name: no one)."""
    rule = rule_for(service, route, method)
    return rule is not None and caller in rule.callers(profile)


def refusals(service: str, route: str, method: str, profile: str) -> set[int]:
    """The statuses that refuse callers of ``method`` on ``route``: 401 and 403 when anonymous callers
    may not (an API document says so)."""
    return set() if allowed(service, route, method, "anonymous", profile) else {401, 403}


def granted(caller: Caller, profile: str) -> list[Rule]:
    """The rules that let ``caller`` in because of who it is (not those open to everyone)."""
    return [rule for rule in TABLE if caller in rule.callers(profile) and rule.callers(profile) != EVERYONE]


def scope(caller: Caller, profile: str) -> list[str]:
    """What ``caller`` may call, one line per service and rule: a token's scope as `make doctor` says it."""
    return [
        f"{rule.service} {'/'.join(m for m in rule.methods if m != 'HEAD')} {rule.route or '/'}"
        for rule in granted(caller, profile)
    ]


def _names(callers: frozenset[Caller]) -> str:
    if callers == EVERYONE:
        return "everyone"
    return ", ".join(caller for caller in CALLERS if caller in callers) or "no one"


def table_markdown() -> str:
    """The table as docs/security.md shows it (``python scripts/config.py access`` prints it)."""
    lines = [
        "| service | route | methods | dev and test | production | why |",
        "|---|---|---|---|---|---|",
    ]
    for rule in TABLE:
        methods = "/".join(m for m in rule.methods if m != "HEAD")
        lines.append(
            f"| {rule.service} | `{rule.route or '/'}` | {methods} | {_names(rule.dev)} | {_names(rule.production)} "
            f"| {rule.why} |"
        )
    return "\n".join(lines) + "\n"
