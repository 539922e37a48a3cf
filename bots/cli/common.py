"""What every ``possibles`` command shares: the database option, one-line
failures, the version. Imports nothing of the core (help must stay fast)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand

__all__ = ["DatabaseOption", "LanguageOption", "Typer", "fail", "version_line"]


CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])


def _argument_name(param: Any) -> str:
    return param.metavar or (param.name or "").upper()


class PlainCommand(TyperCommand):
    """Help as people read it: an argument by its name (MEMBER, [MEMBER]),
    never with the type placeholders typer adds ({MEMBER}, ``MEMBER <str>``);
    options show their metavar (``--area AREA``), flags nothing."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class Typer(typer.Typer):
    """typer.Typer with plain help: no rich panels (they print <bool> beside
    every flag), arguments and options named as in the usage line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(**kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunction], CommandFunction]:
        return super().command(name, cls=cls or PlainCommand, **kwargs)


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        metavar="URL",
        help="Database URL (default: config, then sqlite:///possibles.db).",
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option("--lang", metavar="fr|en", help="fr or en, for a new member."),
]


def fail(message: str, *, status: int = 1) -> NoReturn:
    """One line on stderr, then exit: no traceback, nothing changed."""
    typer.echo(f"possibles: {message}", err=True)
    raise typer.Exit(status)


def version_line() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"possibles {version('possibles')}"
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "possibles (not installed)"
