"""The ``possibles`` command."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

import typer

from bots.cli import admin, areas, demo
from bots.console import ConsoleSession
from core.bootstrap import Runtime

__all__ = ["app", "main"]

app = typer.Typer(
    name="possibles",
    help="Civic initiatives through the chat apps people already use.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas.app, name="areas")
app.add_typer(admin.app, name="admin")
app.command("demo")(demo.demo)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", "-d", help="Database URL (default: config, then sqlite:///possibles.db)."),
]


def open_runtime(database: str | None) -> Runtime:
    return Runtime.open(database_url=database)


@app.command()
def run(
    database: DatabaseOption = None,
    name: Annotated[str, typer.Option("--as", help="Your name in the terminal chat.")] = "",
) -> None:
    """Run possibles: every front end that has a token; the terminal chat when none has."""
    runtime = open_runtime(database)
    runtime.prepare()
    settings = runtime.settings
    if settings.telegram.token is None and settings.discord.token is None:
        who = name or os.environ.get("USER") or "me"
        typer.echo(
            f"possibles: no platform token set, talking in this terminal as {who} "
            f"(database {runtime.database.url.render_as_string(hide_password=True)}). "
            "To connect Telegram, set POSSIBLES_TELEGRAM__TOKEN. Type /help, /quit to leave."
        )
        asyncio.run(ConsoleSession(runtime.chat(), who).run())
        return
    typer.echo(
        "possibles: platform front ends are not built yet; use the terminal chat (unset the tokens).",
        err=True,
    )
    raise typer.Exit(2)


@app.command()
def chat(
    name: Annotated[str, typer.Option("--as", help="Who you are in the chat.")],
    database: DatabaseOption = None,
    language: Annotated[str | None, typer.Option("--lang", help="fr or en, for a new member.")] = None,
) -> None:
    """Chat in the terminal as NAME (input can be piped)."""
    runtime = open_runtime(database)
    runtime.prepare()
    asyncio.run(ConsoleSession(runtime.chat(), name, language=language).run())


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply the migrations and load the default areas into an empty database."""
    runtime = open_runtime(database)
    runtime.prepare()
    typer.echo("database is up to date")


def main() -> None:
    logging.basicConfig(level=os.environ.get("POSSIBLES_LOG_LEVEL", "WARNING"))
    app()
