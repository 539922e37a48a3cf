"""``possibles admin``: roles, officials, invite codes."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(help="Roles, officials and invite codes.", no_args_is_help=True)
