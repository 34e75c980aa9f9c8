"""Database addresses as the services and scripts share them: parsed once, validated once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# MySQL identifiers we accept for database and user names: plain, unquoted, at most 64 chars.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_identifier(name: str, what: str = "database name") -> str:
    """Return ``name`` if it is a plain SQL identifier; raise ValueError otherwise."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{what} {name!r} is not a plain identifier (letters, digits, underscore; at most 64)")
    return name


@dataclass(frozen=True)
class MySQLTarget:
    """Where django_core's MySQL database lives, from ``mysql://user:pass@host:port/name``."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> MySQLTarget:
        parts = urlsplit(url)
        if parts.scheme != "mysql":
            raise ValueError("must start with mysql://")
        if not parts.hostname:
            raise ValueError("has no host")
        try:
            port = parts.port or 3306
        except ValueError:
            raise ValueError("has an invalid port") from None
        user = unquote(parts.username or "")
        check_identifier(user, "user name")
        return cls(
            host=parts.hostname,
            port=port,
            user=user,
            password=unquote(parts.password or ""),
            database=check_identifier(parts.path.lstrip("/"), "database name"),
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_local(self) -> bool:
        return self.host in LOOPBACK_HOSTS


@dataclass(frozen=True)
class MongoTarget:
    """fastapi_market's MongoDB server and database."""

    url: str
    database: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 27017

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_local(self) -> bool:
        # A single loopback host; a replica-set list or an SRV record is never ours to start.
        return urlsplit(self.url).scheme == "mongodb" and "," not in self.url and self.host in LOOPBACK_HOSTS
