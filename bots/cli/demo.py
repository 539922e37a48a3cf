"""``possibles demo``: a living database for newcomers."""

from __future__ import annotations

import typer

from bots.cli.common import DatabaseOption

__all__ = ["demo"]


def demo(database: DatabaseOption = None) -> None:
    """Fill an empty database with a realistic demo: areas, members,
    initiatives in every state, news, official responses, reports and
    moderation decisions."""
    from core.bootstrap import Runtime
    from core.demo import seed_demo
    from core.errors import PossiblesError
    from core.presentation.i18n import translate

    runtime = Runtime.open(database_url=database)
    runtime.prepare()
    try:
        summary = seed_demo(runtime.database, runtime.settings, step=lambda what: typer.echo(f"… {what}"))
    except PossiblesError as error:
        typer.echo(translate("en", error.key, **error.params), err=True)
        raise typer.Exit(1) from None
    states = ", ".join(f"{n} {s}" for s, n in sorted(summary.states.items()))
    typer.echo(
        f"demo ready — members: {summary.members}; initiatives: {summary.initiatives} ({states}); "
        f"supports: {summary.supports}; news: {summary.posts}; comments: {summary.comments}; "
        f"official responses: {summary.responses}; reports: {summary.reports}; "
        f"decisions: {summary.decisions}."
    )
    typer.echo(
        "Try: possibles run --as camille (an author), --as dominique (a moderator: /queue), "
        "--as lou (the mayor of Saint-Étienne: /respond)."
    )
