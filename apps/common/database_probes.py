"""Connect to a database server by its address and name it (``MariaDB 10.11.11``): for the scripts.

No service imports this module, so none needs the other database's driver: each driver is
imported by the function that uses it.
"""

from __future__ import annotations

from typing import Any

from apps.common.database_servers import mongo_server_name_sync, mysql_server_name
from apps.common.databases import MySQLTarget


def mongo_server_at(url: str, database: str, timeout_ms: int = 1500) -> str:
    """The name of the MongoDB server at ``url``; raises PyMongoError when none answers."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]]
    with MongoClient(url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms) as client:
        return mongo_server_name_sync(client[database])


def mysql_server_at(target: MySQLTarget, timeout_s: int = 2) -> str:
    """The name of the MySQL server of ``target`` (a MySQLTarget); raises MySQLdb.OperationalError
    when it refuses."""
    import MySQLdb

    conn = MySQLdb.connect(
        host=target.host, port=target.port, user=target.user, password=target.password, connect_timeout=timeout_s
    )
    try:
        return mysql_server_name(conn.get_server_info())  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated
    finally:
        conn.close()  # type: ignore[no-untyped-call]  # the same
