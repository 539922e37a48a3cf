"""One's own data: /mydata exports it, /forget erases it; old records are purged.

/mydata's export also comes as a one-time download link to the web pages
(where the deployment has them): ``mint_download`` mints a bearer token
(core.services.handovers: random, only its digest stored, a row of the
member's like their other tokens, so /forget erases it and /link moves it)
that works once, for ``privacy.download_minutes``; ``download`` uses it up
and answers the member's export as of then. Looking at the link
(``download_state``) does not use it: a chat app's link preview fetches it.

Both read the columns that hold a member from the schema
(core.storage.member_keys): the export has one entry per such column, so a
table added later is exported without a change here; forgetting refuses to
run while a column has no rule in ``FORGET`` (and a test fails).

Forgetting keeps what others rely on and erases the person: their
identities go (nobody can act as them again), with their roles, follows,
points, open flows, tokens, codes, digests and the deliveries addressed to
them; their supports are withdrawn (the kept counts, the authors' points and
the leaderboards follow, as a withdrawal does); what they wrote in public
(initiatives, news, comments, an official's responses) stays, shown under
the name given for a former member; the public moderation log keeps its
decisions, naming nobody; an official's mandates end, and their past
responses stay attributed to the mandate. The member's row stays as that
nameless "former member", so that everything pointing to it still holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum, StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    CompoundSelect,
    Integer,
    Table,
    bindparam,
    cast,
    delete,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
    update,
)

from core.config import PrivacySettings
from core.domain.deliveries import DeliveryState
from core.domain.events import MemberForgotten
from core.domain.members import FORGOTTEN_NAME
from core.domain.reputation import PointReason, support_ref
from core.errors import Forbidden, InvalidState, StaleAction
from core.services import counts, handovers, reputation, updates
from core.services.handovers import Handover, HandoverKind, TokenState, use_up
from core.services.members import get_member
from core.storage import tables
from core.storage.member_keys import member_keys
from core.storage.uow import UnitOfWork

__all__ = [
    "DOWNLOAD_ACTION",
    "EXPORT_FORMAT",
    "EXPORT_MEDIA_TYPE",
    "FORGET",
    "FORGET_ACTION",
    "Download",
    "Forget",
    "download",
    "download_state",
    "export",
    "export_filename",
    "forget",
    "mint_download",
    "purge",
]

#: The export's ``format``: a reader can tell which layout it holds.
EXPORT_FORMAT = "possibles-mydata/1"
#: The export's media type.
EXPORT_MEDIA_TYPE = "application/json"
#: The action a /forget confirmation token is minted for (a button's payload).
FORGET_ACTION = "v1:fg"
#: The action of /mydata's download tokens (HandoverKind.DOWNLOAD).
DOWNLOAD_ACTION = "mydata"


class Forget(StrEnum):
    """What forgetting a member does with the rows of one member column."""

    #: Deleted: the person's own, of use to nobody else.
    ERASE = "erase"
    #: Kept, under the nameless former member (public content, the moderation
    #: record); free text that is not public is emptied (see ``_anonymise``).
    KEEP = "keep"
    #: The reference is cleared (who set a moderators' chat).
    DETACH = "detach"
    #: Supports are withdrawn, counts and points following.
    WITHDRAW = "withdraw"
    #: Points lines are taken back, the leaderboards following.
    POINTS = "points"
    #: Mandates end (their responses stay attributed to them).
    END = "end"


#: The rule of every column that holds a member (see core.storage.member_keys).
FORGET: dict[str, Forget] = {
    "identities.member_id": Forget.ERASE,
    "member_roles.member_id": Forget.ERASE,
    "mandates.member_id": Forget.END,
    "invite_codes.redeemed_by": Forget.KEEP,
    "initiatives.author_id": Forget.KEEP,
    "supports.member_id": Forget.WITHDRAW,
    "follows.member_id": Forget.ERASE,
    "posts.author_id": Forget.KEEP,
    "comments.author_id": Forget.KEEP,
    "responses.official_id": Forget.KEEP,
    "reports.reporter_id": Forget.KEEP,
    "decisions.moderator_id": Forget.KEEP,
    "decisions.target_author_id": Forget.KEEP,
    "appeals.member_id": Forget.KEEP,
    "points.member_id": Forget.POINTS,
    "leaderboard_points.member_id": Forget.ERASE,
    "conversations.member_id": Forget.ERASE,
    "platform_chats.set_by": Forget.DETACH,
    "handover_tokens.member_id": Forget.ERASE,
    "deliveries.member_id": Forget.ERASE,
    "digests.member_id": Forget.ERASE,
    "link_codes.member_id": Forget.ERASE,
    "link_failures.member_id": Forget.ERASE,
    "platform_role_grants.member_id": Forget.ERASE,
    "badges.member_id": Forget.ERASE,
    "badge_facts.member_id": Forget.ERASE,
    "badge_progress.member_id": Forget.ERASE,
}


# --- /mydata ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _export_sources() -> list[tuple[Table, Column[int]]]:
    """The member's own row, then each of member_keys() (a table may come
    twice: decisions hold a moderator and an author)."""
    return [(tables.members, tables.members.c.id), *((key.table, key.column) for key in member_keys())]


@cache
def _export_statement() -> CompoundSelect[Any]:
    """Every row that holds a member, from the member's own row on, in one
    statement (a read per table was 28 round trips): a UNION ALL of one
    SELECT per source, each putting its table's columns in positions of its
    own (NULL in the others'), the first column saying which source the row
    is of; rows come source by source, each one's in primary key order.

    The NULLs are cast to the type of their position: PostgreSQL resolves
    a UNION's column types branch after branch, and SQLAlchemy reads each
    value back as the first branch's type."""
    sources = _export_sources()
    positions = [
        [f"c{which}_{n}" for n in range(len(table.columns))] for which, (table, _) in enumerate(sources)
    ]
    member: BindParameter[int] = bindparam("member_id")
    branches = []
    for which, (_table, holder) in enumerate(sources):
        values = [
            (column if mine == which else cast(null(), column.type)).label(positions[mine][n])
            for mine, (other, _) in enumerate(sources)
            for n, column in enumerate(other.columns)
        ]
        branches.append(
            select(literal_column(str(which), Integer).label("which"), *values).where(holder == member)
        )
    order = [
        positions[which][list(table.columns).index(column)]
        for which, (table, _) in enumerate(sources)
        for column in table.primary_key.columns
    ]
    return union_all(*branches).order_by(literal_column("which"), *map(literal_column, order))


def _exported(uow: UnitOfWork, member_id: int) -> list[list[dict[str, Any]]]:
    """For each of ``_export_sources()``: the rows holding the member, as
    the export writes them (see ``_export_statement``)."""
    sources = _export_sources()
    found: list[list[dict[str, Any]]] = [[] for _ in sources]
    offsets, start = [], 1
    for table, _ in sources:
        offsets.append(start)
        start += len(table.columns)
    for row in uow.session.execute(_export_statement(), {"member_id": member_id}):
        which = row[0]
        first = offsets[which]
        found[which].append(
            {column.name: _plain(row[first + n]) for n, column in enumerate(sources[which][0].columns)}
        )
    return found


def export(uow: UnitOfWork, member_id: int) -> bytes:
    """Everything stored about the member, as a JSON document (UTF-8): the
    member's row, then, for each column that holds a member
    (``"supports.member_id"``), the rows where it holds this one."""
    with uow:
        member, *held = _exported(uow, member_id)
        if not member:
            get_member(uow, member_id)  # NotFound
        document = {
            "format": EXPORT_FORMAT,
            "exported_at": uow.now().isoformat(),
            "member": member[0],
            "tables": {key.name: rows for key, rows in zip(member_keys(), held, strict=True)},
        }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def export_filename(member_id: int) -> str:
    """The export's file name, in a chat and on the web alike."""
    return f"possibles-mydata-{member_id}.json"


@dataclass(frozen=True)
class Download:
    """A member's export, downloaded with a one-time link."""

    member_id: int
    content: bytes

    @property
    def filename(self) -> str:
        return export_filename(self.member_id)


def mint_download(uow: UnitOfWork, member_id: int, settings: PrivacySettings) -> str:
    """A token that downloads the member's export once, within
    ``settings.download_minutes`` (only its digest is stored)."""
    handover = Handover(HandoverKind.DOWNLOAD, DOWNLOAD_ACTION)
    return handovers.mint(uow, member_id, handover, ttl=timedelta(minutes=settings.download_minutes))


def download_state(uow: UnitOfWork, token: str) -> TokenState:
    """Whether ``token`` would download an export now; it stays unused."""
    return handovers.bearer_state(uow, token, HandoverKind.DOWNLOAD)


def download(uow: UnitOfWork, token: str) -> Download:
    """Use ``token`` up and return its member's export as of now, in one
    transaction. NotFound for a token never minted (or erased with its
    member by /forget), InvalidState for one used or expired."""
    with uow:
        member_id = handovers.use_up_bearer(uow, token, HandoverKind.DOWNLOAD)
        content = export(uow, member_id)
        uow.commit()
    return Download(member_id, content)


# --- /forget ----------------------------------------------------------------


def forget(uow: UnitOfWork, member_id: int, token: str) -> None:
    """Erase the member (see the module's docstring), in one transaction,
    with the confirmation ``token`` minted for them by /forget (used up
    here; StaleAction for a token minted for anything else, used, expired
    or minted for someone else). Their name
    becomes FORGOTTEN_NAME, which each reader sees in their own language."""
    missing = [key.name for key in member_keys() if key.name not in FORGET]
    if missing:
        raise RuntimeError(f"no forgetting rule for {', '.join(missing)} (core.services.privacy.FORGET)")
    with uow:
        try:
            confirmed = use_up(uow, member_id, token).action == FORGET_ACTION
        except (Forbidden, InvalidState) as error:
            # Used, expired or someone else's: a button no longer valid
            # (not a hand-over link "to start again from the group").
            raise StaleAction() from error
        if not confirmed:
            raise StaleAction()
        member = get_member(uow, member_id)
        _withdraw_supports(uow, member_id)
        p = tables.points.c
        reputation.take_back_lines(uow, p.member_id == member_id)
        for key in member_keys():
            rule, table, column = FORGET[key.name], key.table, key.column
            if rule is Forget.ERASE:
                uow.session.execute(delete(table).where(column == member_id))
            elif rule is Forget.DETACH:
                uow.session.execute(update(table).where(column == member_id).values({column.name: None}))
            elif rule is Forget.END:
                uow.session.execute(
                    update(table)
                    .where(column == member_id, table.c.revoked_at.is_(None))
                    .values(revoked_at=uow.now())
                )
            # WITHDRAW and POINTS are done above; KEEP keeps.
        _anonymise(uow, member_id)
        member.display_name = FORGOTTEN_NAME
        member.home_area_id = None
        member.leaderboard_opt_out = True
        member.digest_frequency = "off"
        uow.emit(MemberForgotten(member_id=member_id))
        uow.commit()


def _withdraw_supports(uow: UnitOfWork, member_id: int) -> None:
    """Every support goes, as a withdrawal would take it: off the kept
    counts, with the point its author received for it."""
    s, i = tables.supports.c, tables.initiatives.c
    gone = uow.session.execute(
        delete(tables.supports)
        .where(s.member_id == member_id)
        .returning(s.initiative_id, s.kind, s.created_at)
    ).all()
    authors = dict(
        uow.session.execute(
            select(i.id, i.author_id).where(i.id.in_([int(row.initiative_id) for row in gone]))
        ).all()
    )
    for row in gone:
        initiative_id = int(row.initiative_id)
        counts.removed(uow, initiative_id, row.created_at, row.kind)
        author_id = int(authors[initiative_id])
        if author_id != member_id:
            reputation.take_back(
                uow, author_id, PointReason.SUPPORT_RECEIVED, support_ref(initiative_id, member_id)
            )


def _anonymise(uow: UnitOfWork, member_id: int) -> None:
    """What the person wrote to the moderators alone (a report's note, an
    appeal's text) goes; the reports and appeals themselves stay counted."""
    r, a = tables.reports.c, tables.appeals.c
    uow.session.execute(update(tables.reports).where(r.reporter_id == member_id).values(note=None))
    uow.session.execute(update(tables.appeals).where(a.member_id == member_id).values(text=""))


# --- the daily purge ---------------------------------------------------------


def _purge_batch(uow: UnitOfWork, table: Table, key: list[Any], old: ColumnElement[bool], batch: int) -> int:
    with uow:
        chosen = select(*key).where(old).limit(batch)
        if len(key) == 1:
            gone = uow.session.execute(delete(table).where(key[0].in_(chosen)))
        else:
            gone = uow.session.execute(delete(table).where(tuple_(*key).in_(chosen)))
        uow.commit()
    return int(getattr(gone, "rowcount", 0) or 0)


def purge(uow_factory: Callable[[], UnitOfWork], settings: PrivacySettings) -> dict[str, int]:
    """Delete what is kept no longer than ``settings.keep_days``: delivery
    records that are done with, conversations left unfinished, used or
    expired tokens and codes, counted wrong codes; and processed update ids
    older than ``updates.KEEP`` (a few days). At most
    ``settings.purge_batch`` rows per transaction. Returns the rows deleted
    per table."""
    uow = uow_factory()
    with uow:
        now = uow.now()
    cutoff = now - timedelta(days=settings.keep_days)
    d, u, c = tables.deliveries.c, tables.processed_updates.c, tables.conversations.c
    h, lc, lf = tables.handover_tokens.c, tables.link_codes.c, tables.link_failures.c
    final = [state.value for state in DeliveryState if state.final]
    plan: list[tuple[Table, list[Any], ColumnElement[bool]]] = [
        (tables.deliveries, [d.id], (d.created_at < cutoff) & d.state.in_(final)),
        (tables.processed_updates, [u.platform, u.update_id], u.processed_at < now - updates.KEEP),
        (tables.conversations, [c.id], c.updated_at < cutoff),
        (tables.handover_tokens, [h.digest], h.expires_at < cutoff),
        (tables.link_codes, [lc.digest], lc.expires_at < cutoff),
        (tables.link_failures, [lf.id], lf.created_at < cutoff),
    ]
    done: dict[str, int] = {}
    for table, key, old in plan:
        total = 0
        while True:
            deleted = _purge_batch(uow_factory(), table, key, old, settings.purge_batch)
            total += deleted
            if deleted < settings.purge_batch:
                break
        done[table.name] = total
    return done
