"""The import rules of ARCHITECTURE.md, checked on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "contactops"
ENGINE_ALLOWED_THIRD_PARTY = {
    "numpy",
    "numba",  # NumPy's compiler, for compiled fast paths (the simulator's single queue)
    "scipy",
    "ortools",
    "statsforecast",
    "duckdb",
    "pyarrow",
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _layer_of(path: Path) -> tuple[str, str | None]:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return parts[0].removesuffix(".py"), None
    return parts[0], parts[1] if len(parts) > 2 else None


def _violation(path: Path, module: str) -> str | None:
    layer, domain = _layer_of(path)
    top = module.split(".")[0]
    inner = module.split(".")[1] if module.startswith("contactops.") and "." in module else None
    if layer == "engines":
        if top == "contactops" and inner != "engines":
            return "engines import only engines"
        if top != "contactops" and top not in ENGINE_ALLOWED_THIRD_PARTY and not _is_stdlib(top):
            return f"engines may not import {top}"
    if layer == "connectors" and top == "contactops" and inner not in ("engines", "connectors"):
        return "connectors import engines only"
    if layer == "platform" and inner in ("domains", "app", "cli"):
        return "platform imports nothing from domains, app or cli"
    if layer == "domains" and inner in ("app", "cli"):
        return "domains do not import the composition roots"
    if layer == "domains" and inner == "domains":
        parts = module.split(".")
        other = parts[2] if len(parts) > 2 else None
        if other and other != domain and not (len(parts) == 3 or parts[3] == "service"):
            return f"domains use other domains only through service.py (got {module})"
    return None


def _is_stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names or name == "__future__"


def test_every_module_follows_the_import_rules() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in _imports(path):
            reason = _violation(path, module)
            if reason:
                problems.append(f"{path.relative_to(PACKAGE)}: {module}: {reason}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("file", "module", "broken"),
    [
        ("engines/queueing/erlang.py", "sqlalchemy", True),
        ("engines/queueing/erlang.py", "contactops.platform.database", True),
        ("engines/queueing/erlang.py", "numpy", False),
        ("connectors/asterisk.py", "contactops.domains.events.service", True),
        ("connectors/asterisk.py", "contactops.engines.events", False),
        ("platform/auth.py", "contactops.domains.admin.service", True),
        ("domains/home/pages.py", "contactops.domains.events.service", False),
        ("domains/home/pages.py", "contactops.domains.events.models", True),
        ("domains/admin/api.py", "contactops.app", True),
    ],
)
def test_the_rule_checker_catches_broken_rules(file: str, module: str, broken: bool) -> None:
    assert (_violation(PACKAGE / file, module) is not None) is broken
