"""Which database server answered, as a person would name it: ``MariaDB 10.11.11``, ``mongod 7.0.14``,
``FerretDB 1.24.1 + PostgreSQL``, ``FerretDB 1.24.1 + SQLite``.

Health reports, ``make doctor``, ``config show`` and the bench all name the server they talked to
(the scripts connect by URL with apps/common/database_probes.py).
FerretDB says only its own version (``buildInfo``); the store behind it shows in how it explains a
query: PostgreSQL's plan is a JSON document, SQLite's a list of lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the drivers' types only: django_core names its server without installing pymongo
    from pymongo.asynchronous.database import AsyncDatabase
    from pymongo.database import Database

# Any collection will do for the explain; one that exists shows the store (a missing one shows nothing).
EXPLAIN_COLLECTION = "series_commits"  # the series store's (apps/fastapi_market/versions.py)


def mysql_server_name(version: str) -> str:
    """``SELECT VERSION()`` as a name: ``10.11.11-MariaDB-0+deb12u1`` → ``MariaDB 10.11.11``."""
    number = version.split("-")[0]
    return f"MariaDB {number}" if "mariadb" in version.lower() else f"MySQL {number}"


def mongo_server_name(build_info: dict[str, Any], explain: dict[str, Any] | None = None) -> str:
    """The server behind a MongoDB connection, from its ``buildInfo`` and an ``explain`` of a find."""
    if "ferretdbVersion" not in build_info:
        return f"mongod {build_info.get('version', '?')}"
    name = f"FerretDB {str(build_info['ferretdbVersion']).lstrip('v')}"
    plan = ((explain or {}).get("queryPlanner") or {}).get("Plan")
    if isinstance(plan, dict):
        return f"{name} + PostgreSQL"
    if isinstance(plan, list):
        return f"{name} + SQLite"
    return name


def is_ferretdb(build_info: dict[str, Any]) -> bool:
    return "ferretdbVersion" in build_info


def explain_command(collection: str = EXPLAIN_COLLECTION) -> dict[str, Any]:
    """The explain that shows FerretDB's store; a plan is made, no query runs."""
    return {"explain": {"find": collection, "filter": {"_id": ""}}, "verbosity": "queryPlanner"}


def mongo_server_name_sync(database: Database[Any]) -> str:
    """Name the server of a PyMongo ``Database`` (blocking)."""
    build_info = database.client.admin.command("buildInfo")
    explain = database.command(explain_command()) if is_ferretdb(build_info) else None
    return mongo_server_name(build_info, explain)


async def mongo_server_name_async(database: AsyncDatabase[Any]) -> str:
    """Name the server of a PyMongo ``AsyncDatabase``."""
    build_info = await database.client.admin.command("buildInfo")
    explain = await database.command(explain_command()) if is_ferretdb(build_info) else None
    return mongo_server_name(build_info, explain)
