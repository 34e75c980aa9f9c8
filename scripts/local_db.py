"""Provide the MySQL and MongoDB servers the platform needs.

For each database, in this order: the configured server (MYSQL_URL, MONGO_URL) when it answers;
else, when that address is on this machine, a private server started on it with its data under
.var/<profile>/<name>-<port>/: MariaDB/MySQL from PATH (installed from Debian's packages when run
as root), and mongod from PATH, else FerretDB v1.24.1 (built with Go, telemetry off) over a private
PostgreSQL cluster (Debian's, run as an unprivileged user when this runs as root).

  ensure    start the private servers that are needed, in the background (make run)
  watch     restart a private server that `ensure` started when it dies; echo its log (Procfile)
  run NAME  run one private server in the foreground, restarting what dies (Procfile.test;
            --fresh wipes its data first)
  prepare   only install or build the server programs
  stop      stop the private servers that `ensure` started
  status    say what answers where, and what runs it
"""

from __future__ import annotations

import argparse
import sys
import time

from apps.common.config import ConfigError, current_profile
from scripts.ports import port_holder
from scripts.private_db import processes
from scripts.private_db.processes import ServerError
from scripts.private_db.servers import MongoServer, MySQLServer, PrivateServer, loopback_ip
from scripts.private_db.supervisor import Supervisor

LocalDbError = ServerError  # the name callers know: a server this launcher cannot provide


def say(message: str) -> None:
    print(f"local_db: {message}", file=sys.stderr, flush=True)


def servers(profile: str, names: list[str]) -> list[PrivateServer]:
    """The servers named, as configured for ``profile``."""
    from apps.django_core.env import load_settings as load_django_settings
    from apps.fastapi_market.settings import load_settings as load_market_settings

    found: list[PrivateServer] = []
    if "mysql" in names:
        found.append(MySQLServer(load_django_settings(profile).mysql, profile))
    if "mongo" in names:
        found.append(MongoServer(load_market_settings(profile).mongo, profile))
    return found


def check_is_local(server: PrivateServer) -> None:
    if not server.is_local:
        raise ServerError(
            f"nothing answers at {server.host}:{server.port}, which is not this machine; "
            f"start that server or fix {server.config_hint}"
        )


def check_can_start(server: PrivateServer) -> None:
    """Raise unless a private server can take the configured address."""
    check_is_local(server)
    holder = port_holder(loopback_ip(server.host), server.port)
    if holder is not None:
        raise ServerError(
            f"port {server.port} is taken by {holder}, which is not a usable {server.name} server; "
            f"stop it or fix {server.config_hint}"
        )


def ensure(server: PrivateServer) -> str:
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
    return (f"{server.describe()}: started a private {server.engine()} ({', '.join(pids)}; "
            f"data {processes.shown(server.data_dir)}){_migrated(server)}")


def _migrated(server: PrivateServer) -> str:
    if not isinstance(server, MongoServer):
        return ""
    from scripts.private_db.sqlite_migration import migrate_if_needed

    report = migrate_if_needed(server, say)
    return f"\nlocal_db: {report}" if report else ""


def run_foreground(server: PrivateServer, fresh: bool) -> int:
    """Run the private server's programs as children, restarting what dies, until SIGTERM/SIGINT."""
    check_can_start(server)
    server.prepare()
    server.initialize(fresh=fresh)
    count = len(server.processes())
    supervisor = Supervisor([_definition(server, i) for i in range(count)], owning=True, say=say)
    say(f"{server.describe()}: running a private {server.engine()} with data in {processes.shown(server.data_dir)}")
    supervisor.start_all()
    if not fresh:
        report = _migrated(server).strip()
        if report:
            print(report, file=sys.stderr, flush=True)
    return supervisor.run()


def watch(chosen: list[PrivateServer]) -> int:
    """Follow the private servers `ensure` started; restart one that dies; echo their logs."""
    definitions = []
    for server in chosen:
        started = [i for i, p in enumerate(server.processes()) if p.pid_file.exists()]
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


def _definition(server: PrivateServer, index: int):
    return lambda: server.processes()[index]


def stop(server: PrivateServer, timeout: float = 30) -> str:
    """Stop the private server that ``ensure`` started, if it is still running (last program first)."""
    stopped = []
    try:
        programs = server.processes()
    except ServerError:
        programs = []
    for process in reversed(programs):
        pid = processes.stop(process, timeout)
        if pid is not None:
            stopped.append(f"{process.name} pid {pid}")
    if not stopped:
        return f"{server.describe()}: no private server to stop"
    return f"{server.describe()}: stopped private server ({', '.join(stopped)})"


def status(server: PrivateServer) -> str:
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
    parser = argparse.ArgumentParser(
        prog="python -m scripts.local_db", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["ensure", "watch", "run", "prepare", "stop", "status"])
    parser.add_argument("names", nargs="*", choices=["mysql", "mongo", []], help="default: both")
    parser.add_argument("--profile", help="config profile (default: APP_ENV, else dev)")
    parser.add_argument("--fresh", action="store_true", help="with run: wipe the data directory first")
    args = parser.parse_args(argv)
    names = args.names or ["mysql", "mongo"]
    if args.action == "run" and len(names) != 1:
        parser.error("run takes exactly one of: mysql, mongo")
    try:
        profile = args.profile or current_profile()
        chosen = servers(profile, names)
        for server in chosen:
            server.state_dir.mkdir(parents=True, exist_ok=True)
        if args.action == "run":
            return run_foreground(chosen[0], args.fresh)
        if args.action == "watch":
            return watch(chosen)
        for server in chosen:
            if args.action == "prepare":
                server.prepare()
                say(f"{server.name}: server program ready ({server.engine()})")
            else:
                action = {"ensure": ensure, "stop": stop, "status": status}[args.action]
                say(action(server))
    except (ServerError, ConfigError) as exc:
        say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
