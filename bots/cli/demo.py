"""``possibles demo``: a living database for newcomers."""

from __future__ import annotations

import typer

__all__ = ["demo"]


def demo() -> None:
    """Fill the database with a realistic demo."""
    typer.echo("not yet")
