"""The README stays true to the code: its first commands and its command list."""

from __future__ import annotations

from pathlib import Path

from core.presentation.commands import visible_commands
from core.presentation.reference import command_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    blocks = [part.split("```", 1)[0].strip() for part in README.split("```sh\n")[1:3]]
    assert blocks == ["pip install -e . && possibles run", "pip install -e '.[test]' && pytest"]


def test_readme_lists_every_command_of_the_catalog() -> None:
    missing = [spec.name for spec in visible_commands() if f"<code>/{spec.name}" not in README]
    assert missing == []


def test_readme_command_table_is_generated_from_the_parameters() -> None:
    """Regenerate with ``python -m core.presentation.reference``."""
    assert command_table("en") in README
