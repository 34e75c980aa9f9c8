"""The private servers: MySQL (MariaDB) and MongoDB (mongod, else FerretDB over PostgreSQL).

Each lives under ``.var/<profile>/<name>-<port>/`` with its log and pid files beside that
directory, and consists of the programs that make it answer, started in order.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from apps.common import mysql_advice
from apps.common.config import REPO_ROOT
from apps.common.config import var_dir as state_root
from apps.common.databases import MongoTarget, MySQLTarget
from scripts import system_packages
from scripts.private_db import ferretdb
from scripts.private_db.postgresql import PostgresCluster
from scripts.private_db.processes import ServerError, ServerProcess, shown

# Built programs stay in the checkout; the servers' state goes where APP_VAR_DIR says (default .var/).
BIN_DIR = REPO_ROOT / ".var" / "bin"


class Target(Protocol):
    """Where a database server is configured: apps.common.databases' MySQLTarget and MongoTarget."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def is_local(self) -> bool: ...


TargetT = TypeVar("TargetT", bound=Target)


class PrivateServer(Generic[TargetT]):
    """A database server this project may start: where it lives, its programs, how to probe it."""

    name = ""
    config_hint = ""

    def __init__(self, target: TargetT, profile: str, var_dir: Path | None = None):
        self.target = target
        self.profile, self.host, self.port = profile, target.host, target.port
        self.var_dir = var_dir or state_root()

    @property
    def state_dir(self) -> Path:
        return self.var_dir / self.profile

    @property
    def data_dir(self) -> Path:
        return self.state_dir / f"{self.name}-{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"{self.name}-{self.port}.log"

    @property
    def is_local(self) -> bool:
        return self.target.is_local

    def answers(self) -> bool:
        """True when a usable server answers at the configured address."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Make sure the server programs are installed (or built)."""

    def initialize(self, fresh: bool) -> None:
        """Create the data directory (wiped first when ``fresh``)."""
        if fresh and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def processes(self) -> list[ServerProcess]:
        """The programs that make this server answer, in the order they start."""
        raise NotImplementedError

    def engine(self) -> str:
        """What runs it, as a person would name it: ``MariaDB``, ``mongod``, ``FerretDB + PostgreSQL``."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} at {self.host}:{self.port}"

    def own_process(self, program: str, argv: list[str], ready: Callable[[], bool]) -> ServerProcess:
        """One program of this server, with its data directory, log and pid file, found by its data directory."""
        return ServerProcess(
            program, argv, self.data_dir, self.log_file, self.pid_file, marker=str(self.data_dir), ready=ready
        )

    def _answers_quietly(self) -> bool:
        try:
            return self.answers()
        except ServerError:
            return False


class MySQLServer(PrivateServer[MySQLTarget]):
    name = "mysql"
    config_hint = "MYSQL_URL in config/django_core.local.env"

    def engine(self) -> str:
        return "MariaDB" if (system_packages.find_mysqld() or "").endswith("mariadbd") else "MySQL"

    def answers(self) -> bool:
        import MySQLdb

        try:
            MySQLdb.connect(
                host=loopback_ip(self.host),
                port=self.port,
                user=self.target.user,
                password=self.target.password,
                connect_timeout=2,
            ).close()  # type: ignore[no-untyped-call]  # types-mysqlclient leaves Connection's methods unannotated
        except MySQLdb.OperationalError as exc:
            if mysql_advice.error_kind(exc) in mysql_advice.REFUSING:  # a server is there, not for this account
                raise ServerError(
                    f"MySQL at {self.host}:{self.port} refuses user '{self.target.user}' "
                    f"({mysql_advice.error_parts(exc)[1]}); fix {self.config_hint}"
                ) from None
            return False
        return True

    def prepare(self) -> None:
        try:
            system_packages.ensure(["mariadb"])
        except system_packages.PackagesError as exc:
            raise ServerError(f"no MariaDB/MySQL server program: {exc}") from None

    def initialize(self, fresh: bool) -> None:
        import subprocess

        super().initialize(fresh)
        self.tmp_dir.mkdir(exist_ok=True)
        if not (self.data_dir / "mysql").is_dir():
            install_db = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if install_db is None:
                raise ServerError("mariadb-install-db not found; run: apt-get install mariadb-server")
            with self.log_file.open("ab") as log:
                result = subprocess.run(
                    [
                        install_db,
                        "--no-defaults",
                        f"--datadir={self.data_dir}",
                        "--skip-test-db",
                        "--auth-root-authentication-method=normal",
                        f"--tmpdir={self.tmp_dir}",
                        *_run_as_root_flag(),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if result.returncode != 0:
                raise ServerError(f"mariadb-install-db failed; see {shown(self.log_file)}")
        self.init_file.write_text(self._init_sql())
        self.init_file.chmod(0o600)

    @property
    def init_file(self) -> Path:
        return self.state_dir / f"mysql-{self.port}-init.sql"

    @property
    def tmp_dir(self) -> Path:
        """Its temporary tables' directory: its own, not /tmp, where two servers' names can meet."""
        return self.state_dir / f"mysql-{self.port}-tmp"

    def _init_sql(self) -> str:
        """Run by the server at each start: the configured account exists with the configured password."""
        user = self.target.user  # validated as a plain identifier by MySQLTarget
        password = self.target.password.replace("\\", "\\\\").replace("'", "\\'")
        account = f"'{user}'@'%'"
        return (
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{password}';\n"
            f"ALTER USER {account} IDENTIFIED BY '{password}';\n"
            # A private throw-away server: the app's account may create its test databases.
            f"GRANT ALL PRIVILEGES ON *.* TO {account};\n"
        )

    def processes(self) -> list[ServerProcess]:
        mysqld = system_packages.find_mysqld()
        if mysqld is None:
            raise ServerError("no mariadbd/mysqld on PATH; run: apt-get install mariadb-server")
        argv = [
            mysqld,
            "--no-defaults",
            f"--datadir={self.data_dir}",
            f"--port={self.port}",
            f"--bind-address={loopback_ip(self.host)}",
            f"--socket={self.data_dir / 'mysqld.sock'}",
            f"--pid-file={self.data_dir / 'mysqld.pid'}",
            f"--init-file={self.init_file}",
            f"--tmpdir={self.tmp_dir}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            *_run_as_root_flag(),
        ]
        return [self.own_process(Path(mysqld).name, argv, ready=self._answers_quietly)]


class MongoServer(PrivateServer[MongoTarget]):
    """mongod from PATH when there is one; else FerretDB on a private PostgreSQL cluster."""

    name = "mongo"
    config_hint = "MONGO_URL in config/fastapi_market.local.env"

    @property
    def mongod(self) -> str | None:
        return shutil.which("mongod")

    @property
    def cluster(self) -> PostgresCluster:
        return PostgresCluster(
            self.data_dir,
            self.state_dir / f"mongo-{self.port}-postgresql.log",
            self.state_dir / f"mongo-{self.port}-postgresql.pid",
            f"aetherion-{self.profile}-mongo-{self.port}",
        )

    @property
    def ferretdb_state_dir(self) -> Path:
        return self.data_dir / "ferretdb"

    def engine(self) -> str:
        return "mongod" if self.mongod else "FerretDB + PostgreSQL"

    def answers(self) -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client = MongoClient[dict[str, Any]](self.target.url, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500)
        try:
            client.admin.command("ping")
        except PyMongoError:
            return False
        finally:
            client.close()
        return True

    def prepare(self) -> None:
        if self.mongod:
            return
        if system_packages.find_postgres_program("postgres") is None:
            try:
                system_packages.ensure(["postgresql"])
            except system_packages.PackagesError as exc:
                raise ServerError(f"no PostgreSQL server for FerretDB: {exc}") from None
        if ferretdb.find(BIN_DIR) is None:
            ferretdb.build(ferretdb.binary(BIN_DIR), say=_say)

    def initialize(self, fresh: bool) -> None:
        super().initialize(fresh)
        if self.mongod:
            return
        self.cluster.initialize()
        self.ferretdb_state_dir.mkdir(exist_ok=True)

    def legacy_sqlite_files(self) -> list[Path]:
        """Databases an earlier FerretDB kept with its SQLite handler in this directory."""
        return sorted(self.data_dir.glob("*.sqlite"))

    def processes(self) -> list[ServerProcess]:
        listen = f"{loopback_ip(self.host)}:{self.port}"
        if self.mongod:
            argv = [
                self.mongod,
                "--dbpath",
                str(self.data_dir),
                "--port",
                str(self.port),
                "--bind_ip",
                loopback_ip(self.host),
            ]
            return [self.own_process("mongod", argv, ready=self.answers)]
        binary = ferretdb.find(BIN_DIR)
        if binary is None:
            raise ServerError("no mongod and no working FerretDB; run: python -m scripts.local_db prepare mongo")
        cluster = self.cluster
        postgres = cluster.process()
        env = {**os.environ, "FERRETDB_POSTGRESQL_URL": cluster.url()}  # not in argv: it carries the password
        server = ServerProcess(
            "ferretdb",
            [binary, *ferretdb.arguments(listen, self.ferretdb_state_dir, "postgresql")],
            self.data_dir,
            self.log_file,
            self.pid_file,
            marker=str(self.ferretdb_state_dir),
            ready=self.answers,
            env=env,
        )
        return [postgres, server]


# A private server of either kind, as the launcher handles them.
AnyServer = MySQLServer | MongoServer


def private_cluster_of(target: MongoTarget, var_dir: Path | None = None) -> PostgresCluster | None:
    """The answering PostgreSQL cluster of this project's private FerretDB at ``target``, if it is one."""
    if not target.is_local:
        return None
    var_dir = var_dir or state_root()
    for profile_dir in sorted(var_dir.glob("*")):
        server = MongoServer(target, profile_dir.name, var_dir)
        cluster = server.cluster
        if cluster.state_file.is_file() and cluster.answers():
            return cluster
    return None


def server_files(state_dir: Path, name: str, port: int) -> list[Path]:
    """What a private server keeps under ``state_dir``: its directory, and its logs, pid and init
    files beside it (``mongo-27019``, ``mongo-27019.log``, ``mongo-27019-postgresql.pid``…)."""
    stem = f"{name}-{port}"
    return sorted({*state_dir.glob(stem), *state_dir.glob(f"{stem}.*"), *state_dir.glob(f"{stem}-*")})


def server_files_remove(state_dir: Path, name: str, port: int) -> None:
    for path in server_files(state_dir, name, port):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def loopback_ip(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host


def _run_as_root_flag() -> list[str]:
    # mariadbd refuses to run as root unless told to; a private server runs as whoever starts it.
    return ["--user=root"] if os.geteuid() == 0 else []


def _say(message: str) -> None:
    import sys

    print(f"local_db: {message}", file=sys.stderr, flush=True)
