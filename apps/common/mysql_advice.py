"""What a MySQL error means, and what to do about it, in one line: for scripts/doctor.py,
scripts/bootstrap_db.py, scripts/local_db.py and django_core's management commands alike.

Standard library only (the doctor reports on a machine without MySQLdb too): it reads the error's
``args`` (``(code, message)``, as MySQLdb.OperationalError carries them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.common.databases import MySQLTarget

# What went wrong, as the callers tell the cases apart.
NO_ANSWER = "no answer"  # 2013 and timeouts: something is there, but it does not answer (or is not MySQL)
REFUSED = "refused"  # 2002, 2003: nothing listens there
UNKNOWN_HOST = "unknown host"  # 2005
DENIED = "denied"  # 1045: the account or its password is wrong
NO_RIGHTS = "no rights"  # 1044: the account may not use (or create) the database
UNKNOWN_DATABASE = "unknown database"  # 1049
OTHER = "other"

# The kinds that mean a MySQL server is there, but not for this account.
REFUSING = (DENIED, NO_RIGHTS)
KINDS = {
    2013: NO_ANSWER,
    2002: REFUSED,
    2003: REFUSED,
    2005: UNKNOWN_HOST,
    1045: DENIED,
    1044: NO_RIGHTS,
    1049: UNKNOWN_DATABASE,
}
# Said by a connection that timed out before the server answered (errno 110: ETIMEDOUT).
_TIMEOUT_WORDS = ("timed out", "Lost connection", "(110)")
# Where MYSQL_URL lives when the caller does not say.
DEFAULT_HOME = "config/django_core.local.env"


@dataclass(frozen=True)
class Advice:
    """``detail``: what happened at the server; ``fix``: one line saying what to do."""

    kind: str
    code: int
    detail: str
    fix: str

    def __str__(self) -> str:
        return f"{self.detail}; {self.fix}"


def error_parts(exc: BaseException) -> tuple[int, str]:
    """The MySQL error code (0 when there is none) and message of ``exc``."""
    code, message = (tuple(exc.args) + (0, ""))[:2]
    return (code if isinstance(code, int) else 0), str(message or exc)


def error_kind(exc: BaseException) -> str:
    """Which of the kinds above ``exc`` is."""
    code, message = error_parts(exc)
    if any(words in message for words in _TIMEOUT_WORDS):  # a 2003 "(110)" too: the connect timed out
        return NO_ANSWER
    return KINDS.get(code, OTHER)


def mysql_advice(
    target: MySQLTarget, exc: BaseException, *, home: str = DEFAULT_HOME, timeout_s: float | None = None
) -> Advice:
    """What ``exc`` (a MySQLdb error connecting to ``target``) means, and what to do; the password never shown.

    ``home``: where MYSQL_URL is set; ``timeout_s``: the connect timeout used, to name it.
    """
    code, message = error_parts(exc)
    if target.password:
        message = message.replace(target.password, "********")
    kind, where = error_kind(exc), f"MySQL at {target.address}"
    if kind == NO_ANSWER:
        within = f" within {timeout_s:g} s" if timeout_s is not None else ""
        return Advice(
            kind,
            code,
            f"{where} does not answer{within}",
            f"the server at {target.address} does not answer{within.replace('within', 'in')}: "
            "check the host, a firewall, or that it is MySQL",
        )
    if kind in (REFUSED, UNKNOWN_HOST):
        start = (
            "start it: `make databases` starts a private one"
            if target.is_local
            else f"start the server at {target.address}"
        )
        detail = "connection refused" if kind == REFUSED else f"unknown host ({message})"
        return Advice(kind, code, f"{where}: {detail}", f"{start}, or fix MYSQL_URL in {home}")
    if kind == DENIED:
        return Advice(
            kind,
            code,
            f"{where}: access denied for user '{target.user}'",
            f"fix the user/password in MYSQL_URL ({home})",
        )
    if kind == UNKNOWN_DATABASE:
        return Advice(
            kind,
            code,
            f"{where}: unknown database '{target.database}'",
            "run `make bootstrap` (creates the database and migrates)",
        )
    if kind == NO_RIGHTS:
        return Advice(
            kind,
            code,
            f"{where}: user '{target.user}' may not use database '{target.database}'",
            f"grant the user rights on it, or ask an admin to run: CREATE DATABASE `{target.database}`",
        )
    return Advice(
        kind,
        code,
        f"{where}: error {code}: {message}",
        f"check that server's log, or point MYSQL_URL in {home} at another server",
    )
