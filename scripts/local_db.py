"""Provide the MySQL and MongoDB servers the platform needs.

For each database, in this order: the configured server (MYSQL_URL, MONGO_URL) when it answers;
else, when that address is on this machine, a private server started on it with its data under
.var/<profile>/<name>-<port>/ — MariaDB/MySQL from PATH (installed from Debian's packages when run as root),
and mongod from PATH, else FerretDB with its SQLite backend (built with Go, telemetry off).

  ensure    start the private servers that are needed, in the background (make run)
  run NAME  run one private server in the foreground, as Procfile.test does (--fresh wipes it)
  prepare   only install or build the server programs
  stop      stop the private servers that `ensure` started
  status    say what answers where
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from apps.common.config import REPO_ROOT, ConfigError, current_profile
from apps.common.databases import MongoTarget, MySQLTarget
from scripts import system_packages
from scripts.ports import port_holder

VAR_DIR = REPO_ROOT / ".var"
BIN_DIR = REPO_ROOT / ".var" / "bin"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.1"
START_TIMEOUT_S = 90


class LocalDbError(Exception):
    """Something the launcher cannot provide; the message says what to do."""


def say(message: str) -> None:
    print(f"local_db: {message}", file=sys.stderr, flush=True)


@dataclass
class PrivateServer:
    """A database server this script may start: where it lives, how to start and probe it."""

    name: str
    profile: str
    host: str
    port: int
    config_hint: str

    @property
    def state_dir(self) -> Path:
        return VAR_DIR / self.profile

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
        raise NotImplementedError

    def answers(self) -> bool:
        """True when a usable server answers at the configured address."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Make sure the server program is installed (or built)."""

    def initialize(self, fresh: bool) -> None:
        """Create the data directory (wiped first when ``fresh``)."""
        if fresh and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} at {self.host}:{self.port}"


class MySQLServer(PrivateServer):
    def __init__(self, target: MySQLTarget, profile: str):
        super().__init__("mysql", profile, target.host, target.port, "MYSQL_URL in config/django_core.local.env")
        self.target = target

    @property
    def is_local(self) -> bool:
        return self.target.is_local

    def answers(self) -> bool:
        import MySQLdb

        try:
            MySQLdb.connect(
                host=_ip(self.host), port=self.port, user=self.target.user,
                password=self.target.password, connect_timeout=2,
            ).close()
        except MySQLdb.OperationalError as exc:
            code = exc.args[0] if exc.args else 0
            if code in (1044, 1045):  # a server is there, but not for these credentials
                raise LocalDbError(
                    f"MySQL at {self.host}:{self.port} refuses user '{self.target.user}' ({exc.args[1]}); "
                    f"fix {self.config_hint}"
                ) from None
            return False
        return True

    def prepare(self) -> None:
        try:
            system_packages.ensure(["mariadb"])
        except system_packages.PackagesError as exc:
            raise LocalDbError(f"no MariaDB/MySQL server program: {exc}") from None

    def initialize(self, fresh: bool) -> None:
        super().initialize(fresh)
        if not (self.data_dir / "mysql").is_dir():
            install_db = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if install_db is None:
                raise LocalDbError("mariadb-install-db not found; run: apt-get install mariadb-server")
            say(f"initializing a MySQL data directory in {_shown(self.data_dir)}")
            with self.log_file.open("ab") as log:
                result = subprocess.run(
                    [install_db, "--no-defaults", f"--datadir={self.data_dir}", "--skip-test-db",
                     "--auth-root-authentication-method=normal", *_run_as_root_flag()],
                    stdout=log, stderr=subprocess.STDOUT, check=False,
                )
            if result.returncode != 0:
                raise LocalDbError(f"mariadb-install-db failed; see {_shown(self.log_file)}")
        self.init_file.write_text(self._init_sql())
        self.init_file.chmod(0o600)

    @property
    def init_file(self) -> Path:
        return self.state_dir / f"mysql-{self.port}-init.sql"

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

    def command(self) -> list[str]:
        mysqld = system_packages.find_mysqld()
        if mysqld is None:
            raise LocalDbError("no mariadbd/mysqld on PATH; run: apt-get install mariadb-server")
        return [
            mysqld, "--no-defaults", f"--datadir={self.data_dir}", f"--port={self.port}",
            f"--bind-address={_ip(self.host)}", f"--socket={self.data_dir / 'mysqld.sock'}",
            f"--pid-file={self.data_dir / 'mysqld.pid'}", f"--init-file={self.init_file}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=64M", *_run_as_root_flag(),
        ]


class MongoServer(PrivateServer):
    def __init__(self, target: MongoTarget, profile: str):
        super().__init__("mongo", profile, target.host, target.port, "MONGO_URL in config/fastapi_market.local.env")
        self.target = target

    @property
    def is_local(self) -> bool:
        return self.target.is_local

    def answers(self) -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client = MongoClient(self.target.url, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500)
        try:
            client.admin.command("ping")
        except PyMongoError:
            return False
        finally:
            client.close()
        return True

    def prepare(self) -> None:
        if not shutil.which("mongod") and find_ferretdb() is None:
            build_ferretdb(ferretdb_binary())

    def command(self) -> list[str]:
        if mongod := shutil.which("mongod"):
            return [mongod, "--dbpath", str(self.data_dir), "--port", str(self.port), "--bind_ip", _ip(self.host)]
        ferretdb = find_ferretdb()
        if ferretdb is None:
            raise LocalDbError("no mongod and no working FerretDB; run: python -m scripts.local_db prepare mongo")
        return [
            ferretdb, "--handler=sqlite", f"--sqlite-url=file:{self.data_dir}/",
            f"--listen-addr={_ip(self.host)}:{self.port}", f"--state-dir={self.data_dir}",
            "--telemetry=disable", "--debug-addr=-", "--log-level=warn",
        ]


def find_ferretdb() -> str | None:
    """A FerretDB that starts: ours under .var/bin, else one on PATH that runs ``--version``."""
    for candidate in (str(ferretdb_binary()), shutil.which("ferretdb")):
        if candidate and Path(candidate).is_file():
            probe = subprocess.run([candidate, "--version"], capture_output=True, check=False)
            if probe.returncode == 0:
                return candidate
    return None


def ferretdb_binary() -> Path:
    return BIN_DIR / f"ferretdb-{FERRETDB_VERSION}"


def build_ferretdb(dest: Path) -> None:
    """Build FerretDB from its module on the Go proxy.

    ``go install …/cmd/ferretdb@v1.24.1`` builds a binary that panics at start, as that release
    expects a generated build/version/version.txt; so build the same source with that file written.
    """
    go = shutil.which("go")
    if go is None:
        raise LocalDbError(
            "no mongod and no FerretDB: install Go 1.22+ (FerretDB is built from source) or "
            "point MONGO_URL at a MongoDB server in config/fastapi_market.local.env"
        )
    say(f"building FerretDB {FERRETDB_VERSION} with Go (once; a few minutes on a fresh machine)")
    listing = _run([go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"])
    module_dir = Path(json.loads(listing)["Dir"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(module_dir, source, copy_function=shutil.copyfile)
        for path in [source, *source.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        _run([go, "build", "-buildvcs=false", "-o", str(dest), "./cmd/ferretdb"], cwd=source)
    say(f"built {_shown(dest)}")


def _run(argv: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise LocalDbError(f"{' '.join(argv[:3])} failed: {last}")
    return result.stdout


def _ip(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host


def _run_as_root_flag() -> list[str]:
    # mariadbd refuses to run as root unless told to; a private server runs as whoever starts it.
    return ["--user=root"] if os.geteuid() == 0 else []


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


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


def _check_can_start(server: PrivateServer) -> None:
    if not server.is_local:
        raise LocalDbError(
            f"nothing answers at {server.host}:{server.port}, which is not this machine; "
            f"start that server or fix {server.config_hint}"
        )
    holder = port_holder(_ip(server.host), server.port)
    if holder is not None:
        raise LocalDbError(
            f"port {server.port} is taken by {holder}, which is not a usable {server.name} server; "
            f"stop it or fix {server.config_hint}"
        )


def ensure(server: PrivateServer) -> str:
    """Make ``server`` answer, starting a private one in the background if needed."""
    if server.answers():
        return f"{server.describe()}: answering"
    _check_can_start(server)
    server.prepare()
    server.initialize(fresh=False)
    with server.log_file.open("ab") as log:
        process = subprocess.Popen(
            server.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=server.data_dir, start_new_session=True,
        )
    server.pid_file.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.answers():
        if process.poll() is not None:
            server.pid_file.unlink(missing_ok=True)
            raise LocalDbError(f"private {server.name} exited at start; see {_shown(server.log_file)}")
        if time.monotonic() > deadline:
            raise LocalDbError(f"private {server.name} did not answer in {START_TIMEOUT_S} s; see {_shown(server.log_file)}")
        time.sleep(0.3)
    return f"{server.describe()}: started a private server (pid {process.pid}, data {_shown(server.data_dir)})"


def run_foreground(server: PrivateServer, fresh: bool) -> None:
    """Replace this process with the private server (Procfile.test lines)."""
    _check_can_start(server)
    server.prepare()
    server.initialize(fresh=fresh)
    argv = server.command()
    say(f"{server.describe()}: running {Path(argv[0]).name} with data in {_shown(server.data_dir)}")
    os.chdir(server.data_dir)
    os.execv(argv[0], argv)


def stop(server: PrivateServer, timeout: float = 30) -> str:
    """Stop the private server that ``ensure`` started, if it is still running."""
    try:
        pid = int(server.pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return f"{server.describe()}: no private server to stop"
    if not _is_ours(pid, server):
        server.pid_file.unlink(missing_ok=True)
        return f"{server.describe()}: private server (pid {pid}) had already stopped"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_ours(pid, server) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _is_ours(pid, server):
        os.kill(pid, signal.SIGKILL)
    server.pid_file.unlink(missing_ok=True)
    return f"{server.describe()}: stopped private server (pid {pid})"


def _is_ours(pid: int, server: PrivateServer) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return status != "Z" and str(server.data_dir) in cmdline


def status(server: PrivateServer) -> str:
    try:
        answering = server.answers()
    except LocalDbError as exc:
        return f"{server.describe()}: {exc}"
    return f"{server.describe()}: {'answering' if answering else 'not answering'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.local_db", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["ensure", "run", "prepare", "stop", "status"])
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
                run_foreground(server, args.fresh)
            elif args.action == "prepare":
                server.prepare()
                say(f"{server.name}: server program ready")
            else:
                action = {"ensure": ensure, "stop": stop, "status": status}[args.action]
                say(action(server))
    except (LocalDbError, ConfigError) as exc:
        say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
