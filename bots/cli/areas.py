"""``possibles areas``: import and search the area tree."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(help="The area tree (regions, departments, communes...).", no_args_is_help=True)
