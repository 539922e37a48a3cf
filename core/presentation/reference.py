"""The command reference, generated from the catalog: the README's command
table is this output (tests/unit/test_readme.py keeps it so).

``python -m core.presentation.reference [fr|en]`` prints the table.
"""

from __future__ import annotations

import sys

from core.presentation.commands import Audience, Catalog, default_catalog
from core.presentation.i18n import translate

__all__ = ["command_table"]

#: Said after a command's help when its help text does not say it already.
_AUDIENCE_WORDS = {
    Audience.MODERATOR: "moderators",
    Audience.OFFICIAL: "officials",
    Audience.ADMIN: "admins",
}


def command_table(language: str = "en", catalog: Catalog | None = None) -> str:
    """A Markdown table of every command: its usage and what it does."""
    found = catalog or default_catalog()
    head = ("command", "what it does") if language == "en" else ("commande", "ce qu'elle fait")
    rows = [f"| {head[0]} | {head[1]} |", "| --- | --- |"]
    for spec in found.visible_commands():
        usage = spec.usage(language).replace("|", "&#124;")
        text = translate(language, spec.help_key)
        word = _AUDIENCE_WORDS.get(spec.audience)
        if word is not None and word not in text and language == "en":
            text = f"{text} ({word})"
        rows.append(f"| <code>{usage}</code> | {text.replace('|', '&#124;')} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(command_table(sys.argv[1] if len(sys.argv) > 1 else "en"))
