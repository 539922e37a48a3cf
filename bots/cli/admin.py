"""``possibles admin``: roles, officials and invite codes.

Whoever runs these commands holds the database: they are the trust boundary
for granting roles. Each command brings the schema up to date first, refuses
bad input with one clear line and exit status 1, and then nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bots.cli.common import DatabaseOption, Typer

if TYPE_CHECKING:  # the core is imported when a command runs, never for --help
    from core.bootstrap import Runtime
    from core.services.admin import InviteView, MandateView, RoleHolder
    from core.services.deliveries import Ledger

__all__ = ["app"]

app = Typer(help="Roles, officials, invite codes and rebuilding leaderboards.")

MEMBER_HELP = 'A member: "#12", "12", "platform:external_id" or their name.'
MemberArgument = Annotated[str, typer.Argument(metavar="MEMBER", help=MEMBER_HELP)]
RoleArgument = Annotated[str, typer.Argument(metavar="ROLE", help="moderator or admin.")]
AreaOption = Annotated[
    str, typer.Option("--area", "-a", metavar="AREA", help='An area: its code ("69123"), "#id" or name.')
]
TitleOption = Annotated[
    str, typer.Option("--title", "-t", metavar="TITLE", help='The mandate, e.g. "Maire de Lyon".')
]

T = TypeVar("T")


@contextmanager
def _runtime(database: str | None) -> Iterator[Runtime]:
    from core.bootstrap import Runtime

    runtime = Runtime.open(database_url=database)
    try:
        runtime.prepare()
        yield runtime
    finally:
        runtime.close()


def _call(database: str | None, use_case: Callable[[Runtime], T]) -> T:
    """Run a use case; a refusal becomes one line on stderr and exit status 1."""
    from core.errors import PossiblesError
    from core.presentation.errors import error_card
    from core.presentation.i18n import Translator

    with _runtime(database) as runtime:
        try:
            return use_case(runtime)
        except PossiblesError as error:
            line = error_card(Translator("en"), error).lines[0]
            typer.echo(f"error: {line}", err=True)
            raise typer.Exit(1) from None


def _name(name: str) -> str:
    """A member's name as printed here (a forgotten member's in English, as
    the CLI's other words)."""
    from core.presentation.i18n import Translator

    return Translator("en").member_name(name)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _mandate_line(mandate: MandateView) -> str:
    state = "" if mandate.active else f" (revoked {_day(mandate.revoked_at)})"
    return (
        f"mandate #{mandate.id}: {mandate.title} — {mandate.area_name} ({mandate.area_code}), "
        f"verified {_day(mandate.verified_at)}{state}"
    )


def _echo_holder(holder: RoleHolder) -> None:
    roles = ", ".join(holder.roles) or "no role"
    typer.echo(f"#{holder.member_id} {_name(holder.display_name)}: {roles}")
    for mandate in holder.mandates:
        typer.echo(f"    {_mandate_line(mandate)}")


@app.command()
def rescore(database: DatabaseOption = None) -> None:
    """Rebuild the leaderboards from the points, the supporter counts from the
    supports, the badge measures from both (adding the levels they reach), and
    each area's participation ladder."""
    from core.services import area_ladder, badges, leaderboards

    rows = _call(database, lambda rt: leaderboards.rescore(rt.uow()))
    added = _call(database, lambda rt: badges.rescore(rt.uow()))
    ladders = _call(database, lambda rt: area_ladder.count_all(rt.uow()))
    typer.echo(
        f"leaderboards rebuilt: {rows} rows; supporter counts recounted; badge levels added: {added}; "
        f"area ladders: {ladders} rows"
    )


@app.command()
def grant(member: MemberArgument, role: RoleArgument, database: DatabaseOption = None) -> None:
    """Give MEMBER a role (moderator, admin)."""
    from core.services import admin

    holder = _call(database, lambda rt: admin.grant_role(rt.uow(), member, role))
    _echo_holder(holder)


@app.command()
def revoke(member: MemberArgument, role: RoleArgument, database: DatabaseOption = None) -> None:
    """Take a role (moderator, admin) back from MEMBER."""
    from core.services import admin

    holder = _call(database, lambda rt: admin.revoke_role(rt.uow(), member, role))
    _echo_holder(holder)


@app.command()
def roles(
    member: Annotated[
        str | None, typer.Argument(metavar="MEMBER", help="Only this member. " + MEMBER_HELP)
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """List who holds a role or a mandate (or one member's)."""
    from core.services import admin

    holders = _call(database, lambda rt: admin.list_roles(rt.uow(), member))
    if not holders:
        typer.echo("nobody holds a role or a mandate yet")
    for holder in holders:
        _echo_holder(holder)


@app.command()
def verify(
    member: MemberArgument, area: AreaOption, title: TitleOption, database: DatabaseOption = None
) -> None:
    """Make MEMBER a verified official with a mandate over an area."""
    from core.services import admin

    mandate = _call(database, lambda rt: admin.verify_official(rt.uow(), member, area, title))
    typer.echo(f"#{mandate.member_id} {_name(mandate.member_name)} is now a verified official")
    typer.echo(_mandate_line(mandate))


@app.command()
def unverify(
    member: MemberArgument,
    area: Annotated[
        str | None,
        typer.Option(
            "--area", "-a", metavar="AREA", help="The mandate's area, when MEMBER holds more than one."
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """End MEMBER's mandate (the one over an area); its responses stay public."""
    from core.services import admin

    mandate = _call(database, lambda rt: admin.unverify_official(rt.uow(), member, area))
    typer.echo(_mandate_line(mandate))


@app.command()
def invite(
    area: AreaOption,
    title: TitleOption,
    days: Annotated[
        int, typer.Option("--days", metavar="DAYS", help="How many days the code stays valid.")
    ] = 30,
    database: DatabaseOption = None,
) -> None:
    """Create a one-time invite code that makes its holder an official."""
    from core.services import admin

    created = _call(database, lambda rt: admin.create_invite(rt.uow(), area, title, days))
    typer.echo(created.code)
    typer.echo(
        f"One-time code for {created.title} ({created.area_name}), valid until {_day(created.expires_at)}. "
        f"Give it to the official: they send /claim {created.code} to the bot, in a private chat."
    )


def _invite_line(item: InviteView) -> str:
    if item.state == "used":
        name = "?" if item.redeemed_by_name is None else _name(item.redeemed_by_name)
        state = f"used by #{item.redeemed_by} {name} on {_day(item.redeemed_at)}"
    elif item.state == "expired":
        state = f"expired on {_day(item.expires_at)}"
    else:
        state = f"open until {_day(item.expires_at)}"
    return f"{item.code}  {item.title} — {item.area_name}  [{state}]"


@app.command()
def invites(
    open_only: Annotated[bool, typer.Option("--open", help="Only the codes still redeemable.")] = False,
    database: DatabaseOption = None,
) -> None:
    """List invite codes, newest first."""
    from core.services import admin

    found = _call(database, lambda rt: admin.list_invites(rt.uow(), open_only=open_only))
    if not found:
        typer.echo("no invite codes")
    for item in found:
        typer.echo(_invite_line(item))


def _echo_ledger(ledger: Ledger) -> None:
    if not ledger.counts:
        typer.echo("no deliveries yet")
        return
    typer.echo("state        kind      platform    count")
    for row in ledger.counts:
        typer.echo(f"{row.state:<12} {row.kind:<9} {row.platform:<11} {row.count:>5}")
    typer.echo(
        f"uncertain retries: {ledger.uncertain_retries} "
        f"(deliveries retried after an unknown outcome, each possibly received twice: "
        f"{ledger.uncertain_deliveries})"
    )
    if ledger.failed_total:
        shown = len(ledger.failed)
        typer.echo(f"failed: {ledger.failed_total} (latest {shown}; retry with --retry ID or --retry-failed)")
    for failed in ledger.failed:
        typer.echo(
            f"  #{failed.id} {failed.kind} to {failed.platform}:{failed.address}, "
            f"{failed.attempts} attempts, {failed.uncertain} uncertain, "
            f"created {_day(failed.created_at)}: {failed.last_error or '-'}"
        )


@app.command("deliveries")
def deliveries_command(
    retry: Annotated[
        int | None, typer.Option("--retry", metavar="ID", help="Send this failed delivery again.")
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Send every failed delivery again.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="Failed deliveries listed.")] = 20,
    database: DatabaseOption = None,
) -> None:
    """The delivery ledger: counts by state, kind and platform, failed deliveries
    with their error, retries after an unknown outcome; retry failed ones."""
    from core.services import deliveries

    if retry is not None:
        view = _call(database, lambda rt: deliveries.retry(rt.uow(), retry))
        typer.echo(f"delivery #{view.id} ({view.kind} to {view.platform}:{view.address}) will be sent again")
    if retry_failed:
        count = _call(database, lambda rt: deliveries.retry_failed(rt.uow()))
        typer.echo(f"{count} failed deliveries will be sent again")
    _echo_ledger(_call(database, lambda rt: deliveries.ledger(rt.uow(), limit)))
