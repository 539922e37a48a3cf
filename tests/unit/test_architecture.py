"""The map's dependency rules (DESIGN.md, "Which way things may depend")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file} imports {module}"
        for file, module in imported_modules(folder)
        if module.split(".")[0] in forbidden
        or any(module.startswith(f + ".") or module == f for f in forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("core", ("telegram", "discord", "starlette", "uvicorn", "apscheduler", "bots", "notifications")),
        ("core/domain", ("sqlalchemy", "core.storage", "core.services", "core.presentation", "core.config")),
        ("bots", ("sqlalchemy", "core.storage")),
        ("notifications", ("bots",)),
    ],
)
def test_dependency_rules(folder: str, forbidden: tuple[str, ...]) -> None:
    assert (ROOT / folder).is_dir()
    assert offending(folder, forbidden) == []


def test_the_check_itself_sees_imports() -> None:
    """Guard against a rule that could never fail: core does import sqlalchemy."""
    assert offending("core/storage", ("sqlalchemy",))
