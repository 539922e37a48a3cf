"""``possibles areas``: import and search the area tree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bots.cli.common import DatabaseOption, Typer, fail

if TYPE_CHECKING:  # the core is imported when a command runs, never for --help
    from core.errors import PossiblesError

__all__ = ["app"]

app = Typer(help="The area tree (regions, departments, communes...).")


def _explain(error: PossiblesError) -> str:
    """The error as an operator reads it: one English line."""
    from core.presentation.errors import error_card
    from core.presentation.i18n import Translator

    return error_card(Translator("en"), error).lines[0]


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV with the columns code,name,parent_code,level.")
    ],
    database: DatabaseOption = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults/--no-defaults",
            help="When no area is stored yet, import France's regions and departments with the file.",
        ),
    ] = True,
) -> None:
    """Import or update areas from a CSV file (France's ~35,000 communes take seconds).

    Re-importing updates names, levels and parents and adds nothing twice. The
    whole file is checked first: one bad line and nothing is imported.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from core.bootstrap import Runtime
    from core.errors import PossiblesError
    from core.services import area_import, areas

    try:
        rows = list(area_import.read_csv(file))
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except PossiblesError as error:
        fail(_explain(error))
    runtime = Runtime.open(database_url=database)
    try:
        runtime.prepare(load_areas=False)
        if defaults:
            rows = area_import.with_defaults(runtime.uow(), rows)
        with runtime.uow() as uow:
            before = areas.count_areas(uow)
        with Progress(
            TextColumn("importing areas"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        ) as bar:
            task = bar.add_task("import", total=len(rows))
            imported = area_import.import_areas(
                runtime.uow(), rows, progress=lambda done: bar.advance(task, done)
            )
        with runtime.uow() as uow:
            added = areas.count_areas(uow) - before
    except PossiblesError as error:
        fail(_explain(error))
    finally:
        runtime.close()
    typer.echo(f"imported {imported} areas ({added} new)")


@app.command("search")
def search(
    query: Annotated[
        str, typer.Argument(metavar="QUERY", help="A name (accents and case do not matter) or a code.")
    ],
    database: DatabaseOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", help="At most N areas.")] = 20,
) -> None:
    """List the areas matching QUERY, best first: code, name, level, parent."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from core.bootstrap import Runtime
    from core.errors import PossiblesError
    from core.services import areas

    if not 1 <= limit <= areas.MAX_RESULTS:
        fail(f"--limit goes from 1 to {areas.MAX_RESULTS}")
    runtime = Runtime.open(database_url=database)
    try:
        runtime.prepare()
        found = areas.lookup_areas(runtime.uow(), query, limit)
    except PossiblesError as error:
        fail(_explain(error))
    finally:
        runtime.close()
    if not found:
        fail(f"no area matches {query!r}")
    table = Table("code", "name", "level", "parent")
    for view in found:
        parent = f"{view.parent_code} {view.parent_name}" if view.parent_code else ""
        # Text(), not str: a name is data, never rich markup.
        table.add_row(Text(view.code), Text(view.name), Text(view.level), Text(parent))
    Console().print(table)
