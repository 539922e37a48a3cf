"""The ``possibles`` command."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

import typer

from bots.cli import admin, areas, demo
from bots.console import ConsoleSession
from bots.runner import plan_roles, serve
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
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only these roles (repeatable): telegram, discord, web, scheduler, sender. "
            "Default: all of them in one process.",
        ),
    ] = None,
) -> None:
    """Run possibles: every front end that has a token, the scheduler and the senders;
    the terminal chat when no platform token is set."""
    runtime = open_runtime(database)
    try:
        plan = plan_roles(runtime, set(only) if only else None)
    except ValueError as error:
        typer.echo(f"possibles: {error}", err=True)
        raise typer.Exit(2) from None
    runtime.prepare()
    who = name or os.environ.get("USER") or "me"
    where = runtime.database.url.render_as_string(hide_password=True)
    if plan.console:
        typer.echo(
            f"possibles: no platform token set, talking in this terminal as {who} (database {where}). "
            "To connect Telegram, set POSSIBLES_TELEGRAM__TOKEN. Type /help, /quit to leave."
        )
    else:
        typer.echo(f"possibles: running {plan.describe()} on {where}", err=True)
    asyncio.run(serve(runtime, plan, console_name=who))


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
