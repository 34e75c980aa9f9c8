"""The doctor's checks of the servers the stack talks to: MySQL, MongoDB, and Flask as FastAPI calls it.

Standard library only at import time: a missing package is the check's verdict (scripts/doctor.py).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from apps.common.mysql_advice import mysql_advice
from apps.common.setting_home import setting_home
from scripts.preflight.verdicts import FAIL, OK, WARN, CheckResult, skipped

if TYPE_CHECKING:
    from apps.common.databases import MongoTarget

DB_TIMEOUT_S = 2
FLASK_TIMEOUT_S = 2.0
DAY_ONE_MONGO = "127.0.0.1:27017"  # the Day-1 plan's MongoDB ("a Windows service on mongodb://localhost:27017")


# --- 5. MySQL -------------------------------------------------------------------------------


def check_mysql(profile: str) -> CheckResult:
    from apps.common.config import ConfigError
    from apps.common.database_servers import mysql_server_name
    from apps.django_core.env import load_settings

    try:
        target = load_settings(profile).mysql
    except ConfigError:
        return skipped("mysql")
    import MySQLdb

    try:
        conn = MySQLdb.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            database=target.database,
            connect_timeout=DB_TIMEOUT_S,
        )
    except MySQLdb.OperationalError as exc:
        home = setting_home("MYSQL_URL", "django_core", profile)
        advice = mysql_advice(target, exc, home=home, timeout_s=DB_TIMEOUT_S)
        return CheckResult("mysql", FAIL, advice.detail, advice.fix)
    try:
        server = mysql_server_name(conn.get_server_info())  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated
    finally:
        conn.close()  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated
    return CheckResult("mysql", OK, f"{server} at {target.address}, database {target.database}")


# --- 6. MongoDB -----------------------------------------------------------------------------


def check_mongo(profile: str) -> CheckResult:
    from apps.common.config import ConfigError
    from apps.common.database_servers import mongo_server_name_sync
    from apps.fastapi_market.settings import load_settings

    try:
        settings = load_settings(profile)
    except ConfigError:
        return skipped("mongo")
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from apps.common.mongo_advice import mongo_advice

    target, timeout_ms = settings.mongo, min(2000, settings.mongo_timeout_ms)
    home = setting_home("MONGO_URL", "fastapi_market", profile)
    client = None
    try:
        client = MongoClient[dict[str, Any]](
            target.url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
        )
        client.admin.command("ping")
        server = mongo_server_name_sync(client[target.database])
    except PyMongoError as exc:
        advice = mongo_advice(target, exc, timeout_s=timeout_ms / 1000, home=home)
        return CheckResult("mongo", FAIL, advice.detail, advice.fix)
    finally:
        if client is not None:
            client.close()
    return CheckResult("mongo", OK, f"{server} at {target.address}, ping ok", day_one_mongo_hint(target, home))


def day_one_mongo_hint(target: MongoTarget, home: str) -> str:
    """One line on using the MongoDB that answers at the Day-1 plan's address, when it is not the one in use."""
    from apps.common.database_probes import mongo_server_at

    if target.address in (DAY_ONE_MONGO, DAY_ONE_MONGO.replace("127.0.0.1", "localhost")):
        return ""
    from pymongo.errors import PyMongoError

    try:
        server = mongo_server_at(f"mongodb://{DAY_ONE_MONGO}/", target.database, timeout_ms=500)
    except PyMongoError:
        return ""
    return (
        f"a MongoDB ({server}) also answers at {DAY_ONE_MONGO}: to use it, "
        f"set MONGO_URL=mongodb://{DAY_ONE_MONGO}/ in {home}"
    )


# --- 7. Flask, from FastAPI's point of view -------------------------------------------------


def check_flask(profile: str) -> CheckResult:
    from apps.common.config import ConfigError
    from apps.common.health import READINESS_PATHS
    from apps.fastapi_market.settings import load_settings

    try:
        url = load_settings(profile).flask_regime_url + READINESS_PATHS["flask_regime"]
    except ConfigError:
        return skipped("flask")
    import httpx

    target = "FLASK_REGIME_URL" if "FLASK_REGIME_URL" in os.environ else "FLASK_REGIME_URL / FLASK_REGIME_PORT"
    try:
        response = httpx.get(url, timeout=FLASK_TIMEOUT_S)
    except httpx.ConnectError:
        return CheckResult(
            "flask", WARN, f"nothing answers at {url} (the stack is not running)", "start the stack with `make run`"
        )
    except httpx.TimeoutException:
        return CheckResult(
            "flask",
            FAIL,
            f"{url} does not answer within {FLASK_TIMEOUT_S:g} s",
            f"restart Flask if it is stuck, or check that {target} point at it",
        )
    except httpx.HTTPError as exc:
        return CheckResult(
            "flask", FAIL, f"{url}: {type(exc).__name__}: {exc}", f"check that {target} point at flask_regime"
        )
    if response.status_code != 200:
        return CheckResult(
            "flask",
            FAIL,
            f"{url} answered {response.status_code}",
            f"read flask_regime's lines in the `make run` output, or check {target}",
        )
    try:
        service = response.json().get("service")
    except (ValueError, AttributeError):
        service = None
    if service != "flask_regime":
        return CheckResult(
            "flask",
            FAIL,
            f"{url} answers 200, but not as flask_regime ({service or 'no service'})",
            f"point {target} at flask_regime",
        )
    return CheckResult("flask", OK, f"flask_regime answers at {url}")
