"""Provide the MySQL and MongoDB servers the platform needs.

For each database, in this order:

1. the server you chose (MYSQL_URL, MONGO_URL in the environment or config/<service>.local.env);
2. else a server found at the default address (MYSQL_DEFAULT_ADDRESS, 127.0.0.1:3306;
   MONGO_DEFAULT_ADDRESS, 127.0.0.1:27017) that takes the configured account: recorded in
   .var/<profile>/found.env, which every service then reads. Nothing is created on it;
3. else the committed address, and when nothing answers there and it is on this machine, a private
   server started on it with its data under .var/<profile>/<name>-<port>/ (Linux only):
   MariaDB/MySQL from PATH (installed from Debian's packages when run as root), and mongod from
   PATH, else FerretDB v1.24.1 (built with Go, telemetry off) over a private PostgreSQL cluster
   (Debian's, run as an unprivileged user when this runs as root).

What cannot be provided is said in one line (what to install, or which variable to set in which
file), and the other database is still provided.

  ensure    start the private servers that are needed, in the background (make run)
  watch     restart a private server that `ensure` started when it dies; echo its log (Procfile)
  run NAME  run one private server in the foreground, restarting what dies (Procfile.test;
            --fresh wipes its data first)
  prepare   only install or build the server programs
  stop      stop the private servers that `ensure` started
  status    say what answers where, and what runs it
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from apps.common import mysql_advice
from apps.common.config import (
    ConfigError,
    ServiceConfig,
    current_profile,
    found_file,
    found_record,
    load,
)
from apps.common.databases import MongoTarget
from scripts import system_packages
from scripts.private_db import processes
from scripts.private_db.processes import ServerError, ServerProcess
from scripts.private_db.servers import (
    AnyServer,
    MongoServer,
    MySQLServer,
    loopback_ip,
)
from scripts.private_db.supervisor import Supervisor
from scripts.profile_option import profile_parser
from scripts.stack_processes import port_holder, starts_record

LocalDbError = ServerError  # the name callers know: a server this launcher cannot provide
# What `run` says once every program of the server answers and is watched: from then on one that dies
# is restarted (before, a program that exits ends `run`).
WATCHING = "answering; restarting whatever of it dies"
# Where private servers can be started: the launcher relies on Linux (/proc, namespaces, Debian's packages).
PRIVATE_SERVER_PLATFORMS = {"linux"}


@dataclasses.dataclass(frozen=True)
class DefaultAddress:
    """Where the Day-1 plan puts a database, and the settings that say so."""

    service: str  # whose configuration holds them
    url_variable: str
    address_variable: str
    need: str  # the system_packages need whose hint says what to install elsewhere


DEFAULTS = {
    "mysql": DefaultAddress("django_core", "MYSQL_URL", "MYSQL_DEFAULT_ADDRESS", "mariadb"),
    "mongo": DefaultAddress("fastapi_market", "MONGO_URL", "MONGO_DEFAULT_ADDRESS", "postgresql"),
}


class Refused(Exception):
    """A server answered, but not for the configured account."""


def say(message: str) -> None:
    print(f"local_db: {message}", file=sys.stderr, flush=True)


def servers(profile: str, names: list[str], *, use_found: bool = True) -> list[AnyServer]:
    """The servers named, as configured for ``profile`` (``use_found=False``: as the config files
    say, without the servers found at the default addresses)."""
    from apps.django_core.env import SERVICE as DJANGO_CORE
    from apps.django_core.env import parse_settings as django_settings
    from apps.fastapi_market.settings import SERVICE as FASTAPI_MARKET
    from apps.fastapi_market.settings import parse_settings as market_settings

    chosen: list[AnyServer] = []
    if "mysql" in names:
        chosen.append(MySQLServer(load(DJANGO_CORE, django_settings, profile, use_found=use_found).mysql, profile))
    if "mongo" in names:
        chosen.append(MongoServer(load(FASTAPI_MARKET, market_settings, profile, use_found=use_found).mongo, profile))
    return chosen


def parse_address(value: str) -> tuple[str, int] | None:
    """``host:port`` (empty: no default address)."""
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be host:port, e.g. 127.0.0.1:3306 (empty: do not look for a server)")
    return host, int(port)


def default_server(server: AnyServer) -> AnyServer | None:
    """``server``'s account and database at the default address, when that is where to look: the
    URL is not one the user chose, and a default address is set and differs from the URL's."""
    defaults = DEFAULTS[server.name]
    config = ServiceConfig(defaults.service, server.profile, use_found=False)
    address = config.converted(defaults.address_variable, parse_address, None)
    config.seal()
    if address is None or config.chosen_by_user(defaults.url_variable) or address == (server.host, server.port):
        return None
    host, port = address
    if isinstance(server, MySQLServer):
        return MySQLServer(dataclasses.replace(server.target, host=host, port=port), server.profile, server.var_dir)
    parts = urlsplit(server.target.url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    target = MongoTarget(urlunsplit(parts._replace(netloc=netloc)), server.target.database)
    return MongoServer(target, server.profile, server.var_dir)


def probe(server: AnyServer) -> str | None:
    """The name of the server answering at ``server``'s address when the configured account works
    there (``MariaDB 10.11.11``); None when nothing answers; Refused when the account does not work."""
    return probe_mysql(server) if isinstance(server, MySQLServer) else probe_mongo(server)


def probe_mysql(server: MySQLServer) -> str | None:
    import MySQLdb

    from apps.common.database_servers import mysql_server_name

    target = server.target
    try:
        connection = MySQLdb.connect(
            host=loopback_ip(target.host),
            port=target.port,
            user=target.user,
            password=target.password,
            connect_timeout=2,
        )
    except MySQLdb.OperationalError as exc:
        if mysql_advice.error_kind(exc) in mysql_advice.REFUSING:  # there, but not for this account
            raise Refused(mysql_advice.error_parts(exc)[1]) from None
        return None
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT VERSION()")
        return mysql_server_name(cursor.fetchone()[0])
    finally:
        connection.close()  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated


def probe_mongo(server: MongoServer) -> str | None:
    from pymongo import MongoClient
    from pymongo.errors import OperationFailure, PyMongoError

    from apps.common.database_servers import mongo_server_name_sync

    client = MongoClient[dict[str, Any]](server.target.url, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500)
    try:
        client.admin.command("ping")
        database = client[server.target.database]
        database.list_collection_names()  # refused when the server wants an account this URL lacks
        return mongo_server_name_sync(database)
    except OperationFailure as exc:
        raise Refused(str(exc.details.get("errmsg", exc)) if exc.details else str(exc)) from None
    except PyMongoError:
        return None
    finally:
        client.close()


def provide(server: AnyServer) -> str:
    """The server the user chose; else one found at the default address; else ``ensure`` (private)."""
    defaults = DEFAULTS[server.name]
    default = default_server(server)
    if default is not None:
        try:
            name = probe(default)
        except Refused as exc:
            say(
                f"{default.describe()} (the default address) answers but refuses the configured account ({exc}); "
                f"to use it, set {defaults.url_variable} with an account it takes in "
                f"config/{defaults.service}.local.env; until then, {server.host}:{server.port} as configured"
            )
            name = None
        if name is not None:
            found_record(server.profile, defaults.url_variable, server_url(default))
            return (
                f"{default.describe()}: found {name} at the default address ({defaults.address_variable}); "
                f"using it (recorded in {processes.shown(found_file(server.profile))}), no private server"
            )
    found_record(server.profile, defaults.url_variable, None)
    return ensure(server)


def server_url(server: AnyServer) -> str:
    """The URL a service connects to ``server`` with (MYSQL_URL's or MONGO_URL's form)."""
    if isinstance(server, MongoServer):
        return server.target.url
    target = server.target
    account = f"{quote(target.user, safe='')}:{quote(target.password, safe='')}"
    return f"mysql://{account}@{target.host}:{target.port}/{target.database}"


def check_is_local(server: AnyServer) -> None:
    if not server.is_local:
        raise ServerError(
            f"nothing answers at {server.host}:{server.port}, which is not this machine; "
            f"start that server or fix {server.config_hint}"
        )
    if sys.platform not in PRIVATE_SERVER_PLATFORMS:
        hint = system_packages.NEEDS[DEFAULTS[server.name].need].elsewhere
        raise ServerError(
            f"nothing answers at {server.host}:{server.port}, and private servers are started on "
            f"Linux only: install {hint}"
        )


def check_can_start(server: AnyServer) -> None:
    """Raise unless a private server can take the configured address."""
    check_is_local(server)
    holder = port_holder(loopback_ip(server.host), server.port)
    if holder is not None:
        raise ServerError(
            f"port {server.port} is taken by {holder}, which is not a usable {server.name} server; "
            f"stop it or fix {server.config_hint}"
        )


def ensure(server: AnyServer) -> str:
    """Make ``server`` answer, starting a private one in the background if needed."""
    if server.answers():
        return f"{server.describe()}: answering{_migrated(server)}"
    check_is_local(server)
    server.prepare()
    server.initialize(fresh=False)
    if not any(p.recorded_pid() for p in server.processes()):  # else a program of ours holds the port
        check_can_start(server)
    pids = []
    for process in server.processes():
        pid = process.recorded_pid()
        child = None
        if pid is None:
            child = processes.start(process, detached=True)
            pid = child.pid
        processes.wait_ready(process, child, pid)
        pids.append(f"{process.name} pid {pid}")
    starts_record(f"{server.engine()} server")
    return (
        f"{server.describe()}: started a private {server.engine()} ({', '.join(pids)}; "
        f"data {processes.shown(server.data_dir)}){_migrated(server)}"
    )


def _migrated(server: AnyServer) -> str:
    if not isinstance(server, MongoServer):
        return ""
    from scripts.private_db.sqlite_migration import migrate_if_needed

    report = migrate_if_needed(server, say)
    return f"\nlocal_db: {report}" if report else ""


def run_foreground(server: AnyServer, fresh: bool) -> int:
    """Run the private server's programs as children, restarting what dies, until SIGTERM/SIGINT."""
    check_can_start(server)
    server.prepare()
    server.initialize(fresh=fresh)
    count = len(server.processes())
    supervisor = Supervisor([_definition(server, i) for i in range(count)], owning=True, say=say)
    say(f"{server.describe()}: running a private {server.engine()} with data in {processes.shown(server.data_dir)}")
    starts_record(f"{server.engine()} server" if fresh else f"{server.engine()} server restarted on its data")
    supervisor.start_all()
    if not fresh:
        report = _migrated(server).strip()
        if report:
            print(report, file=sys.stderr, flush=True)
    say(f"{server.describe()}: {WATCHING}")
    return supervisor.run()


def watch(chosen: list[AnyServer]) -> int:
    """Follow the private servers `ensure` started; restart one that dies; echo their logs."""
    definitions = []
    for server in chosen:
        if not server.data_dir.exists():
            continue  # never started here
        try:
            programs = server.processes()
        except ServerError as exc:  # nothing this launcher started can run here: nothing to watch
            say(f"{server.describe()}: {exc}")
            continue
        started = [i for i, p in enumerate(programs) if p.pid_file.exists()]
        definitions += [_definition(server, i) for i in started]
        if started:
            say(f"watching the private {server.engine()} at {server.host}:{server.port}")
    if not definitions:
        say("no private server to watch: the configured servers are not ones `make databases` started")
        while True:  # a Procfile line that ends would stop the whole stack
            time.sleep(3600)
    supervisor = Supervisor(definitions, owning=False, say=say)
    supervisor.adopt_all()
    return supervisor.run()


def _definition(server: AnyServer, index: int) -> Callable[[], ServerProcess]:
    return lambda: server.processes()[index]


def stop(server: AnyServer, timeout: float = 30) -> str:
    """Stop the private server that ``ensure`` started, if it is still running (last program first)."""
    stopped = []
    try:
        programs = server.processes() if server.data_dir.exists() else []  # else never started here
    except ServerError:
        programs = []
    for process in reversed(programs):
        pid = processes.stop(process, timeout)
        if pid is not None:
            stopped.append(f"{process.name} pid {pid}")
    if not stopped:
        return f"{server.describe()}: no private server to stop"
    return f"{server.describe()}: stopped private server ({', '.join(stopped)})"


def status(server: AnyServer) -> str:
    try:
        answering = server.answers()
    except ServerError as exc:
        return f"{server.describe()}: {exc}"
    try:
        private = [p for p in server.processes() if p.recorded_pid() is not None]
    except ServerError:
        private = []
    who = f" (private {server.engine()})" if private else ""
    return f"{server.describe()}: {'answering' if answering else 'not answering'}{who}"


def main(argv: list[str] | None = None) -> int:
    parser = profile_parser("python -m scripts.local_db", __doc__)
    parser.add_argument("action", choices=["ensure", "watch", "run", "prepare", "stop", "status"])
    parser.add_argument("names", nargs="*", choices=["mysql", "mongo", []], help="default: both")
    parser.add_argument("--fresh", action="store_true", help="with run: wipe the data directory first")
    args = parser.parse_args(argv)
    names = args.names or ["mysql", "mongo"]
    if args.action == "run" and len(names) != 1:
        parser.error("run takes exactly one of: mysql, mongo")
    try:
        profile = args.profile or current_profile()
        # Private servers live at the configured addresses, wherever a found one is: ensure looks for the
        # found ones again; watch and stop follow what ensure started. Only status reports the found ones.
        chosen = servers(profile, names, use_found=args.action == "status")
        for server in chosen:
            server.state_dir.mkdir(parents=True, exist_ok=True)
        if args.action == "run":
            return run_foreground(chosen[0], args.fresh)
        if args.action == "watch":
            return watch(chosen)
    except (ServerError, ConfigError) as exc:
        say(str(exc))
        return 1
    failed = 0
    for server in chosen:  # one that cannot be provided is said, and the other is still provided
        try:
            if args.action == "prepare":
                server.prepare()
                say(f"{server.name}: server program ready ({server.engine()})")
            else:
                action = {"ensure": provide, "stop": stop, "status": status}[args.action]
                say(action(server))
        except (ServerError, ConfigError) as exc:
            say(str(exc))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
