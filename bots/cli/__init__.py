"""The ``possibles`` command.

``possibles --help`` and ``--version`` must answer at once: this package and
its subcommand modules import only typer at load time; the core, SQLAlchemy
and the chat libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bots.cli import admin, areas, demo
from bots.cli.common import DatabaseOption, LanguageOption, Typer, fail, version_line
from bots.cli.logs import configure_logging

__all__ = ["app", "main"]

app = Typer(
    name="possibles",
    help="Civic initiatives through the chat apps people already use.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = Typer(help="The database schema.")
app.add_typer(db_app, name="db")
app.add_typer(areas.app, name="areas")
app.add_typer(admin.app, name="admin")
app.command("demo", short_help="Fill an empty database with a realistic demo.")(demo.demo)

NameOption = Annotated[
    str | None,
    typer.Option("--as", metavar="NAME", help="Your name in the terminal chat (default: $USER)."),
]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Civic initiatives through the chat apps people already use."""


def _checked_name(name: str | None) -> str:
    who = name if name is not None else os.environ.get("USER") or "me"
    if not who.strip():
        fail("--as needs a name, e.g. --as alice", status=2)
    return who.strip()


def _checked_language(language: str | None) -> str | None:
    if language is None:
        return None
    from core.presentation.i18n import LANGUAGES

    code = language.strip().lower()
    if code not in LANGUAGES:
        fail(f"--lang takes {' or '.join(LANGUAGES)}, not {language!r}", status=2)
    return code


@app.command(short_help="Run possibles (the terminal chat when no platform token is set).")
def run(
    database: DatabaseOption = None,
    name: NameOption = None,
    language: LanguageOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="ROLE",
            help="Run only this role (repeatable): telegram, discord, web, scheduler, sender. "
            "Default: all of them in one process.",
        ),
    ] = None,
) -> None:
    """Run possibles: every front end that has a token (Telegram, Discord),
    the public web, the scheduler and the senders; the terminal chat, with its
    notifications, when no platform token is set. Ctrl-C stops it (exit
    status 0)."""
    who = _checked_name(name)
    lang = _checked_language(language)
    with _ctrl_c_stops():
        _run(database, only, who, lang)


def _run(database: str | None, only: list[str] | None, who: str, language: str | None) -> None:
    import asyncio

    from bots.runner import plan_roles, serve

    runtime = _open_runtime(database)
    try:
        plan = plan_roles(runtime, set(only) if only else None)
    except ValueError as error:
        fail(str(error), status=2)
    runtime.prepare()
    where = runtime.database.url.render_as_string(hide_password=True)
    if plan.console:
        typer.echo(
            f"possibles: no platform token set, talking in this terminal as {who} (database {where}). "
            "To connect Telegram, set POSSIBLES_TELEGRAM__TOKEN. Type /help, /quit or Ctrl-C to leave."
        )
    else:
        typer.echo(f"possibles: running {plan.describe()} on {where}", err=True)
    from bots.front_end import FrontEndUnavailable
    from bots.web.errors import WebUnavailable

    def announce(line: str) -> None:
        typer.echo(f"possibles: {line}", err=True)

    try:
        asyncio.run(serve(runtime, plan, console_name=who, console_language=language, announce=announce))
    except FrontEndUnavailable as error:  # its library is not installed: one line, no traceback
        fail(str(error), status=1)
    except WebUnavailable as error:  # the web's port is taken: one line too
        fail(str(error), status=1)


@app.command(short_help="Serve the public web pages alone (no chat, no notifications).")
def web(
    database: DatabaseOption = None,
    host: Annotated[
        str | None,
        typer.Option("--host", metavar="ADDRESS", help="Listen on this address (default: [web] host)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            metavar="PORT",
            min=0,
            max=65535,
            help="Listen on this port (default: [web] port, 8080; 0: any free one).",
        ),
    ] = None,
) -> None:
    """Serve the public web pages (initiatives, areas, officials, leaderboards,
    the moderation log) on their own, as `possibles run --only web` does.
    Share links point to public_base_url: set it to the address people reach.
    Ctrl-C stops it (exit status 0)."""
    with _ctrl_c_stops():
        _web(database, host, port)


def _web(database: str | None, host: str | None, port: int | None) -> None:
    import asyncio

    from bots.front_end import FrontEndUnavailable
    from bots.runner import plan_roles, serve
    from bots.web.errors import WebUnavailable

    runtime = _open_runtime(database)
    if host is not None or port is not None:
        web = runtime.settings.web.model_copy(
            update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
        )
        runtime.settings = runtime.settings.model_copy(update={"web": web})
    runtime.prepare()

    def announce(line: str) -> None:
        typer.echo(f"possibles: {line}", err=True)

    try:
        asyncio.run(serve(runtime, plan_roles(runtime, {"web"}), announce=announce))
    except (FrontEndUnavailable, WebUnavailable) as error:
        fail(str(error), status=1)


@app.command(short_help="Chat in the terminal as NAME (input can be piped).")
def chat(
    name: Annotated[str, typer.Option("--as", metavar="NAME", help="Who you are in the chat.")],
    database: DatabaseOption = None,
    language: LanguageOption = None,
) -> None:
    """Chat in the terminal as NAME (input can be piped); no notifications are
    shown here: `possibles run --as NAME` shows them. /quit, end of input or
    Ctrl-C leaves (exit status 0)."""
    who = _checked_name(name)
    lang = _checked_language(language)
    with _ctrl_c_stops():
        import asyncio

        from bots.console import ConsoleSession

        runtime = _open_runtime(database)
        runtime.prepare()
        asyncio.run(ConsoleSession(runtime.chat(), who, language=lang).run())


@contextmanager
def _ctrl_c_stops() -> Iterator[None]:
    """Ctrl-C is how a person stops run and chat: at the prompt the session
    ends by itself; anywhere else (starting up, an answer on its way) it
    ends here, as cleanly, with exit status 0 rather than typer's "Aborted!"."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("", err=True)  # leave the line where ^C was echoed
        raise typer.Exit(0) from None


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply the migrations and load the default areas into an empty database."""
    runtime = _open_runtime(database)
    runtime.prepare()
    typer.echo("database is up to date")


def _open_runtime(database: str | None):  # type: ignore[no-untyped-def]
    from core.bootstrap import Runtime

    return Runtime.open(database_url=database)


def main() -> None:
    configure_logging(os.environ.get("POSSIBLES_LOG_LEVEL", "WARNING"))
    app(prog_name="possibles")
