"""The front doors (the management API, the console, the portal, the CLI) call the domain's
services: none of them imports a repository or the query helpers, or touches a unit of work's
session. A scan of their source, so that a shortcut taken in a hurry fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import apidesk

ROOT = Path(apidesk.__file__).parent
FRONT_DOORS = ("api", "console", "portal", "cli")
FORBIDDEN_MODULES = ("apidesk.storage.paging", "apidesk.storage.filtering")


def _modules_imported(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_front_doors_call_services_never_repositories_or_the_session() -> None:
    problems = []
    for door in FRONT_DOORS:
        for source in sorted((ROOT / door).rglob("*.py")):
            tree = ast.parse(source.read_text(), str(source))
            where = source.relative_to(ROOT)
            for module in _modules_imported(tree):
                if module.endswith(".repository") or module in FORBIDDEN_MODULES:
                    problems.append(f"{where}: imports {module}")
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "session":
                    problems.append(f"{where}:{node.lineno}: uses .session")
    assert not problems, "\n".join(problems)
