"""The shared code depends on no service, and no module of apps/ or scripts/ grows past what one reads at once."""

from __future__ import annotations

import ast

import pytest

from apps.common.config import REPO_ROOT, SERVICES

COMMON = REPO_ROOT / "apps" / "common"
MAX_LINES = 400


def imported_modules(tree: ast.Module) -> set[str]:
    """What a module imports, and the module names it holds as text (for importlib.import_module)."""
    names: set[str] = {
        node.value.split(":")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("apps.")
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("path", sorted(COMMON.rglob("*.py")), ids=lambda p: str(p.relative_to(COMMON)))
def test_shared_code_imports_no_service(path):
    imported = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    services = sorted(
        name
        for name in imported
        for service in SERVICES
        if name == f"apps.{service}" or name.startswith(f"apps.{service}.")
    )
    assert services == [], f"{path.relative_to(REPO_ROOT)} imports a service: {services}"


@pytest.mark.parametrize("tree", ["apps", "scripts"])
def test_no_module_is_longer_than_the_limit(tree):
    long = {
        str(p.relative_to(REPO_ROOT)): n
        for p in (REPO_ROOT / tree).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by what they do (at most {MAX_LINES} lines): {long}"
