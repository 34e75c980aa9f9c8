"""What a MongoDB error met while connecting means, and what to do about it, in one line: for
scripts/doctor.py and fastapi_market's start alike (apps/common/mysql_advice.py says MySQL's)."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pymongo.errors import OperationFailure, PyMongoError, ServerSelectionTimeoutError

from apps.common.databases import MongoTarget

# Where MONGO_URL lives when the caller does not say.
DEFAULT_HOME = "config/fastapi_market.local.env"
# How PyMongo says nothing listens: "Connection refused" (sync), "[Errno 111] Connect call failed" (async).
_REFUSED_WORDS = ("refused", f"[Errno {errno.ECONNREFUSED}]")


@dataclass(frozen=True)
class MongoAdvice:
    """``detail``: what happened at the server; ``fix``: one line saying what to do."""

    detail: str
    fix: str

    def __str__(self) -> str:
        return f"{self.detail}; {self.fix}"


def mongo_advice(target: MongoTarget, exc: PyMongoError, *, timeout_s: float, home: str = DEFAULT_HOME) -> MongoAdvice:
    """What ``exc`` (met reaching ``target`` within ``timeout_s``) means, and what to do; the password never shown.

    ``home``: where MONGO_URL is set.
    """
    where = f"MongoDB at {target.address}"
    if isinstance(exc, ServerSelectionTimeoutError):
        if any(words in str(exc) for words in _REFUSED_WORDS):
            start = (
                "start it: `make databases` starts a private one"
                if target.is_local
                else f"start the server at {target.address}"
            )
            return MongoAdvice(f"{where}: connection refused", f"{start}, or fix MONGO_URL in {home}")
        return MongoAdvice(
            f"{where} does not answer within {timeout_s:g} s",
            f"the server at {target.address} does not answer in {timeout_s:g} s: "
            f"check the host, a firewall, or that it is MongoDB (MONGO_URL in {home})",
        )
    password = _url_password(target.url)
    if isinstance(exc, OperationFailure):
        reason = _scrub(str(exc.details.get("errmsg") if exc.details else exc), password)
        return MongoAdvice(f"{where}: {reason}", f"fix the user/password in MONGO_URL ({home})")
    first_line = _scrub(str(exc).splitlines()[0][:200], password)
    return MongoAdvice(f"{where}: {first_line}", f"fix MONGO_URL in {home}")


def _url_password(url: str) -> str:
    try:
        return unquote(urlsplit(url).password or "")
    except ValueError:
        return ""


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "********") if secret else text
