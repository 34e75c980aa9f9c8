"""Each service's requirements file installs every third-party package its code imports.

For each service: the imports (read with ast, not run) of every module of apps/<service>/ and,
transitively, of the apps/common modules it imports; each third-party top-level name mapped to
its distribution by the installed metadata; that distribution must be pinned in
requirements/<service>.txt (``-r`` includes followed). Imports under ``if TYPE_CHECKING:`` only
exist for the type checker and are left out.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from apps.common.config import REPO_ROOT, SERVICES

APPS = REPO_ROOT / "apps"
REQUIREMENTS = REPO_ROOT / "requirements"


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(requirements: Path) -> set[str]:
    """The normalised names of the distributions a requirements file lists, its ``-r`` includes too."""
    names: set[str] = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            names |= pinned(requirements.parent / line.split(maxsplit=1)[1])
        elif line and not line.startswith("-"):
            names.add(normalized(re.split(r"[\s\[=<>!~;@]", line, maxsplit=1)[0]))
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(path: Path) -> set[str]:
    """The absolute names a module imports, at run time (``from a.b import c``: ``a.b`` and ``a.b.c``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def module_file(name: str) -> Path | None:
    """The file of a module of this repository (a package's __init__.py), or None."""
    path = REPO_ROOT.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return path / "__init__.py" if (path / "__init__.py").is_file() else None


def packages_of(path: Path) -> list[Path]:
    """The __init__.py files Python runs before ``path``: apps/, then each package down to it."""
    inits = []
    for parent in reversed(path.parents):
        if parent != REPO_ROOT and REPO_ROOT in parent.parents and (parent / "__init__.py").is_file():
            inits.append(parent / "__init__.py")
    return inits


def third_party_imports(service: str) -> dict[str, set[str]]:
    """Each third-party top-level name the service's code imports -> the repository files that import it."""
    queue = sorted((APPS / service).rglob("*.py"))
    seen: set[Path] = set()
    found: dict[str, set[str]] = {}
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        queue.extend(packages_of(path))
        for name in imported_names(path):
            top = name.split(".")[0]
            if top == "apps":
                own = module_file(name)
                if own is not None and (name.startswith("apps.common") or name.startswith(f"apps.{service}")):
                    queue.append(own)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.setdefault(top, set()).add(str(path.relative_to(REPO_ROOT)))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_requirements_pin_every_third_party_import(service):
    requirements = REQUIREMENTS / f"{service}.txt"
    listed = pinned(requirements)
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for top, importers in sorted(third_party_imports(service).items()):
        provided_by = {normalized(d) for d in distributions.get(top, [])}
        if not provided_by:
            missing.append(f"{top} (no installed distribution provides it; imported by {', '.join(sorted(importers))})")
        elif not provided_by & listed:
            missing.append(f"{top} from {'/'.join(sorted(provided_by))} (imported by {', '.join(sorted(importers))})")
    assert missing == [], f"{requirements.relative_to(REPO_ROOT)} does not pin: " + "; ".join(missing)


def test_the_walk_reaches_the_shared_modules_a_service_imports():
    # django_core reaches apps/common/contracts (pydantic) and the sync HTTP client (httpx).
    assert {"pydantic", "httpx", "django"} <= set(third_party_imports("django_core"))
    assert "aiohttp" in third_party_imports("fastapi_market")


def test_pinned_follows_includes_and_normalises(tmp_path):
    (tmp_path / "base.txt").write_text("Foo_Bar==1.0  # a comment\n")
    (tmp_path / "svc.txt").write_text("-r base.txt\nuvloop==0.2; sys_platform != 'win32'\npsycopg[binary]==3\n")
    assert pinned(tmp_path / "svc.txt") == {"foo-bar", "uvloop", "psycopg"}
