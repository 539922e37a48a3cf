"""The shipped defaults travel inside the distribution (see config/__init__.py)."""

from __future__ import annotations

import fnmatch
import tomllib
from importlib.resources import files
from pathlib import Path

from core.config import CONFIG_DIR, Settings
from core.services import screening
from core.services.area_import import DEFAULT_AREAS

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_defaults_are_read_as_package_data() -> None:
    assert str(CONFIG_DIR) == str(files("config"))
    assert DEFAULT_AREAS.is_file()
    assert Settings().goals.commune == 50
    assert screening.flagged_words("a text about nothing") == ()


def test_every_shipped_file_is_declared_as_package_data() -> None:
    """A file added under config/ and missed by the patterns would be absent
    from the wheel, and its absence silent outside a checkout."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert "config" in setuptools["packages"]["find"]["include"]
    patterns = setuptools["package-data"]["config"]
    shipped = [
        path.relative_to(ROOT / "config").as_posix()
        for path in (ROOT / "config").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py"
    ]
    assert shipped
    missing = [name for name in shipped if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert missing == []


def test_build_requirements_know_the_licence_string() -> None:
    """PEP 639's ``license = "AGPL-3.0-or-later"`` needs setuptools 77."""
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]
    assert isinstance(PYPROJECT["project"]["license"], str)


def _imported_top_levels() -> set[str]:
    import ast
    import sys

    found: set[str] = set()
    for package in ("core", "bots", "notifications"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    ours = {"core", "bots", "notifications", "config", "__future__"}
    return {name for name in found if name not in sys.stdlib_module_names and name not in ours}


def _normalised(requirement: str) -> str:
    import re

    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_what_is_imported_is_declared_and_what_is_declared_is_imported() -> None:
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    imported = {
        name: {dist.lower().replace("_", "-") for dist in distributions.get(name, [name])}
        for name in _imported_top_levels()
    }
    declared = {_normalised(r) for r in PYPROJECT["project"]["dependencies"]}
    undeclared = sorted(name for name, dists in imported.items() if not dists & declared)
    assert undeclared == []
    used = set().union(*imported.values())
    assert sorted(declared - used) == []
