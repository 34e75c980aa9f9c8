"""FerretDB v1.24.1, the MongoDB-wire-compatible server of the embedded default: built once with Go."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from scripts.private_db.processes import ServerError, shown

MODULE = "github.com/FerretDB/FerretDB"
VERSION = "v1.24.1"


def binary(bin_dir: Path) -> Path:
    return bin_dir / f"ferretdb-{VERSION}"


def find(bin_dir: Path) -> str | None:
    """A FerretDB that starts: ours under ``bin_dir``, else one on PATH that runs ``--version``."""
    for candidate in (str(binary(bin_dir)), shutil.which("ferretdb")):
        if candidate and Path(candidate).is_file():
            probe = subprocess.run([candidate, "--version"], capture_output=True, check=False)
            if probe.returncode == 0:
                return candidate
    return None


def build(dest: Path, say: Callable[[str], None]) -> None:
    """Build FerretDB from its module on the Go proxy.

    ``go install …/cmd/ferretdb@v1.24.1`` builds a binary that panics at start, as that release
    expects a generated build/version/version.txt; so build the same source with that file written.
    """
    go = shutil.which("go")
    if go is None:
        raise ServerError(
            "no mongod and no FerretDB: install Go 1.22+ (FerretDB is built from source) or "
            "point MONGO_URL at a MongoDB server in config/fastapi_market.local.env"
        )
    say(f"building FerretDB {VERSION} with Go (once; a few minutes on a fresh machine)")
    listing = _run([go, "mod", "download", "-json", f"{MODULE}@{VERSION}"])
    module_dir = Path(json.loads(listing)["Dir"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(module_dir, source, copy_function=shutil.copyfile)
        for path in [source, *source.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (source / "build" / "version" / "version.txt").write_text(VERSION + "\n")
        _run([go, "build", "-buildvcs=false", "-o", str(dest), "./cmd/ferretdb"], cwd=source)
    say(f"built {shown(dest)}")


def arguments(listen: str, state_dir: Path, handler: str) -> list[str]:
    """FerretDB's flags: its address, its state, telemetry off, no debug listener, errors only (at
    warn it dumps every error answer it sends, a screenful each, e.g. while PostgreSQL restarts)."""
    return [
        f"--handler={handler}",
        f"--listen-addr={listen}",
        f"--state-dir={state_dir}",
        "--telemetry=disable",
        "--debug-addr=-",
        "--log-level=error",
    ]


def _run(argv: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServerError(f"{' '.join(argv[:3])} failed: {last}")
    return result.stdout
