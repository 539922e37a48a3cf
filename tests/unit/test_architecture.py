"""The map's dependency rules (DESIGN.md, "Which way things may depend") are
import-linter contracts in pyproject.toml, checked by ``lint-imports`` in CI;
this runs the same contracts under pytest, so there is one list of rules."""

from __future__ import annotations

import logging
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold() -> None:
    # import-linter configures logging with dictConfig, which disables every
    # logger that exists at that moment: later tests that read the project's
    # log lines would hear nothing. Put their state back.
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
    finally:
        for lg, was in disabled.items():
            lg.disabled = was


def test_the_graph_sees_imports() -> None:
    """Guard against contracts that could never fail: the graph the tool
    builds does see core's storage importing SQLAlchemy, and the bots
    importing the core."""
    graph = grimp.build_graph("core", "bots", include_external_packages=True)
    assert graph.direct_import_exists(importer="core.storage.tables", imported="sqlalchemy")
    assert graph.find_modules_directly_imported_by("bots.runner")


def test_the_domain_contract_names_every_other_part_of_core() -> None:
    """import-linter forbids what is listed: a new module of core must join
    the list of what core.domain may not import (all but core.errors)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("source_modules") == ["core.domain"]
    ]
    parts = {
        f"core.{path.stem}"
        for path in (ROOT / "core").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert parts - {"core.domain", "core.errors"} <= set(contract["forbidden_modules"])
