"""The private PostgreSQL cluster under FerretDB: initdb under .var/, its own port on loopback only.

Its files live in the MongoDB server's directory (``.var/<profile>/mongo-<port>/``): the cluster in
``postgresql/``, its port and generated password in ``postgresql.json`` (mode 600). It listens on
127.0.0.1 only, at a port of its own chosen when it starts (kept while free), and on no Unix socket
(a socket path under a deep checkout can exceed the 107 bytes a socket address holds).
"""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from scripts.private_db.processes import ServerError, ServerProcess, is_running, shown
from scripts.private_db.unprivileged import RunAs
from scripts.stack_processes import free_port, port_holder
from scripts.system_packages import find_postgres_program

if TYPE_CHECKING:
    import psycopg

ROLE = "aetherion"  # the cluster's superuser, as FerretDB connects
DATABASE = "ferretdb"  # FerretDB keeps each MongoDB database as a schema of this one
# FerretDB holds one pooled connection per update of an update command until the command ends
# (internal/handler/msg_update.go), so the pool, not PostgreSQL, limits how many updates can be in
# flight at once; FerretDB's default of 50 is raised, within max_connections.
POOL_MAX_CONNS = 150
MAX_CONNECTIONS = 200
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    # FerretDB filters with parameters (`_jsonb->$1 @> $2`): a plan made for the values can use the
    # GIN expression indexes scripts/bootstrap_db.py creates; a generic plan cannot.
    "plan_cache_mode": "force_custom_plan",
    # Every filter FerretDB sends is an equality on a field with a GIN index; a sequential scan instead
    # reads every row's whole document (the series store's chunks are tens of kilobytes each), which the
    # planner's estimates do not see: an index is always the cheaper plan here.
    "enable_seqscan": "off",
    # A plan that has to scan (a filter on a field without an index) costs more than jit_above_cost
    # once sequential scans are off, so PostgreSQL would compile it to machine code first: about 20 ms
    # for a lookup that takes half a millisecond. FerretDB's small queries never gain from it.
    "jit": "off",
    "max_connections": str(MAX_CONNECTIONS),
    "shared_buffers": "128MB",
    "log_line_prefix": "%m [%p] ",
}


class PostgresCluster:
    """The cluster of the MongoDB server whose files are under ``server_dir``."""

    def __init__(self, server_dir: Path, log_file: Path, pid_file: Path, cluster_name: str):
        self.server_dir = server_dir
        self.data_dir = server_dir / "postgresql"
        self.state_file = server_dir / "postgresql.json"
        self.log_file = log_file
        self.pid_file = pid_file
        self.cluster_name = cluster_name  # in its command line: tells this cluster's postmaster from others

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self.state_file.read_text())
            return state
        except (FileNotFoundError, ValueError):
            return {}

    def _save(self, state: dict[str, Any]) -> None:
        self.state_file.touch(mode=0o600)
        self.state_file.chmod(0o600)
        self.state_file.write_text(json.dumps(state) + "\n")

    def initialize(self) -> None:
        """initdb once, as the user the cluster runs as, with a generated password for ``ROLE``."""
        if self.initialized:
            return
        initdb = find_postgres_program("initdb")
        if initdb is None:
            raise ServerError("no PostgreSQL server programs (initdb); run: apt-get install postgresql")
        self.server_dir.mkdir(parents=True, exist_ok=True)
        run_as = RunAs.for_directory(self.server_dir)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(mode=0o700)
        password = secrets.token_urlsafe(24)
        self._save({"password": password, "port": None})
        password_file = self.server_dir / "initdb.password"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        run_as.own(self.data_dir, password_file)
        argv = [
            initdb,
            "-D",
            str(run_as.visible(self.data_dir)),
            "-U",
            ROLE,
            f"--pwfile={run_as.visible(password_file)}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]
        try:
            with self.log_file.open("ab") as log:
                result = subprocess.run(
                    run_as.command(argv),
                    cwd=self.server_dir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                    **run_as.popen_options(),
                )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ServerError(f"initdb failed; see {shown(self.log_file)}")

    def process(self) -> ServerProcess:
        """The postmaster, on the port it had when that is still free, else on a new free one."""
        postgres = find_postgres_program("postgres")
        if postgres is None:
            raise ServerError("no PostgreSQL server program; run: apt-get install postgresql")
        state = self.state()
        running = ServerProcess(
            "postgresql", [], self.server_dir, self.log_file, self.pid_file, self.cluster_name, ready=lambda: False
        ).recorded_pid()
        port_free = bool(state.get("port")) and port_holder("127.0.0.1", state["port"]) is None
        if self.initialized and not running and not port_free:
            state["port"] = free_port()
            self._save(state)
        run_as = RunAs.for_directory(self.server_dir)
        settings = {**SETTINGS, "port": str(state.get("port")), "cluster_name": self.cluster_name}
        argv = [postgres, "-D", str(run_as.visible(self.data_dir)), *(f"--{k}={v}" for k, v in settings.items())]
        return ServerProcess(
            "postgresql",
            run_as.command(argv),
            self.server_dir,
            self.log_file,
            self.pid_file,
            self.cluster_name,
            ready=self.answers,
            after_ready=self.database_ensure,
            before_start=self.stale_lock_remove,
            stop_signal=signal.SIGINT,
            user=run_as.user,
            popen_options=run_as.popen_options(),
        )

    def stale_lock_remove(self) -> None:
        """Remove the lock file of a postmaster that was killed (PostgreSQL refuses to start while it
        names a process that still exists, and a killed one can linger unreaped for a moment)."""
        lock = self.data_dir / "postmaster.pid"
        try:
            pid = int(lock.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return
        if not is_running(pid, self.cluster_name):
            lock.unlink(missing_ok=True)

    def connect(self, database: str = "postgres", timeout_s: int = 2) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        state = self.state()
        return psycopg.connect(
            host="127.0.0.1",
            port=state.get("port"),
            user=ROLE,
            password=state.get("password"),
            dbname=database,
            connect_timeout=timeout_s,
            autocommit=True,
        )

    def answers(self) -> bool:
        import psycopg

        try:
            self.connect(timeout_s=1).close()
        except (psycopg.Error, KeyError, TypeError):
            return False
        return True

    def database_ensure(self) -> None:
        """Create FerretDB's database in the cluster if missing."""
        with self.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def url(self) -> str:
        """FerretDB's PostgreSQL URL (it carries the password: pass it in the environment, not argv)."""
        state = self.state()  # empty before initdb: the URL is not used then
        password = quote(state.get("password", ""), safe="")
        return f"postgres://{ROLE}:{password}@127.0.0.1:{state.get('port')}/{DATABASE}?pool_max_conns={POOL_MAX_CONNS}"


# A GIN index collects new entries in a pending list that every lookup scans until it is merged:
# after 100,000 inserts a lookup by _id took 15 ms. Capped at 256 kB it took 2 ms, for inserts 7 %
# slower (measured here; with the list off, 1.6 ms and inserts 31 % slower).
GIN_PENDING_LIST_KB = 256


def gin_indexes_ensure(
    conn: psycopg.Connection[tuple[Any, ...]], schema: str, collection: str, fields: list[str]
) -> list[str]:
    """Back FerretDB's equality filters on ``fields`` of ``schema.collection`` with GIN indexes.

    FerretDB keeps a MongoDB database as a schema, and a collection as a table named in the
    schema's ``_ferretdb_database_metadata``. Each index is on ``(_jsonb -> 'field')`` with
    ``jsonb_path_ops``, which serves the ``@>`` FerretDB filters with; FerretDB does not know these
    indexes, so its own index changes leave them be. Returns the fields whose index was created
    (none when all exist, or when the collection has no table yet).
    """
    from psycopg import sql

    metadata = sql.Identifier(schema, "_ferretdb_database_metadata")
    try:
        row = conn.execute(
            sql.SQL("SELECT _jsonb->>'table' FROM {} WHERE _jsonb->>'_id' = %s").format(metadata), (collection,)
        ).fetchone()
    except Exception as exc:  # no such schema: the database has no collection yet
        if getattr(exc, "sqlstate", None) == "42P01":
            return []
        raise
    if row is None:
        return []
    table = row[0]
    created = []
    for field in fields:
        name = f"{table}_{field.strip('_')}_aetherion_gin"[:63]
        exists = conn.execute(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname = %s", (schema, name)
        ).fetchone()
        if not exists:
            create = sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin ((_jsonb -> {}) jsonb_path_ops)")
            conn.execute(create.format(sql.Identifier(name), sql.Identifier(schema, table), sql.Literal(field)))
            created.append(field)
        conn.execute(
            sql.SQL("ALTER INDEX {} SET (gin_pending_list_limit = {})").format(
                sql.Identifier(schema, name), sql.Literal(GIN_PENDING_LIST_KB)
            )
        )
    return created
