"""One person across platforms: /link merges two members, /unlink splits one
identity back off.

``/link`` on one platform gives a one-time code; ``/link CODE`` typed by
another member (on another platform, usually) merges the two into one
member. The code is random, single-use and short-lived; only its digest is
kept (as core.services.handovers does for its tokens). Wrong codes are
counted per member: ``privacy.link_wrong_tries`` of them within
``privacy.link_lock_minutes`` lock /link for that member until the oldest of
them is that old. A wrong code is recorded although the answer is a
refusal (the error's ``trace``, written by core.presentation.chat once the
command is rolled back): that record is the lock's purpose.

Which member is kept: the one with a history of its own when only one has
one (so the other's identities come over empty-handed and may be split back
off later), otherwise the older one (whose #number people know).

Merging: every column that holds a member (core.storage.member_keys, read
from the schema) has a rule in ``MERGE``; a merge refuses to run, and a test
fails, while a column has none. Rows change hands, and where the kept member
already holds an equal row on a unique key (a role, a follow, a report of
the same content) the other's is dropped. Supports are merged by
``_merge_supports``: two supports of one initiative count once (the kept
counts and the author's points follow, through core.services.counts and
core.services.reputation); points lines for the same act are kept once and
the leaderboards move with the ledger (core.services.leaderboards). The
longest suspension is kept; either member's opting out of the leaderboards
is kept. The events already written keep the absorbed member's number, and
``MembersLinked`` says whose it now is: the history keeps who did what.

Unlinking (``unlink``), the rule: an identity goes back to being a member of
its own, with nothing but its settings, only when

1. the member has at least two identities (otherwise there is nothing to split);
2. the member is not suspended (the split-off identity would leave the
   suspension behind);
3. the identity came over with /link (the one a member began with carries
   its history: unlink the other one instead);
4. the member it came from had no history of its own (no initiative,
   support, follow, report, point, role... — rows merged into another
   member's cannot be told apart and given back).

Anything else is refused with the reason, and nothing changes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from sqlalchemy import delete, exists, func, insert, or_, select, update

from core.config import PrivacySettings
from core.domain.events import MembersLinked, MemberUnlinked
from core.domain.members import Identity, LinkedIdentity, Member
from core.domain.reputation import PointReason, support_ref
from core.domain.supports import SupportKind
from core.errors import InvalidInput, InvalidState, LimitReached, PossiblesError, Suspended
from core.services import badges, counts, leaderboards, reputation
from core.services.handovers import digest
from core.services.members import get_member
from core.storage import tables
from core.storage.member_keys import MemberKey, member_keys
from core.storage.uow import UnitOfWork

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MERGE",
    "TECHNICAL",
    "LinkCode",
    "Linked",
    "Merge",
    "has_history",
    "issue_code",
    "merge",
    "redeem_code",
    "unlink",
]

#: Letters and digits nobody confuses (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 8 characters of 31: about 40 bits, against 5 tries an hour.
CODE_LENGTH = 8
#: Codes expired longer than this are deleted when another is issued.
KEEP = timedelta(days=1)


class Merge(StrEnum):
    """What linking does with the rows of one member column."""

    #: The rows change hands; one equal to a row the kept member holds on a
    #: unique key of the table is dropped.
    MOVE = "move"
    #: Supports: two of one initiative count once (``_merge_supports``).
    SUPPORTS = "supports"
    #: The points ledger: one line per act, the leaderboards following.
    POINTS = "points"
    #: Leaderboard rows: moved with the points (``leaderboards.moved``).
    LEADERBOARD = "leaderboard"
    #: Identities: they come over, marked as linked.
    IDENTITIES = "identities"
    #: Kept tallies rebuilt for the kept member once the rest has moved (the
    #: other's are dropped): badge measures (core.services.badges.recompute).
    RECOMPUTED = "recomputed"


#: The rule of every column that holds a member (see core.storage.member_keys).
MERGE: dict[str, Merge] = {
    "identities.member_id": Merge.IDENTITIES,
    "member_roles.member_id": Merge.MOVE,
    "mandates.member_id": Merge.MOVE,
    "invite_codes.redeemed_by": Merge.MOVE,
    "initiatives.author_id": Merge.MOVE,
    "supports.member_id": Merge.SUPPORTS,
    "follows.member_id": Merge.MOVE,
    "posts.author_id": Merge.MOVE,
    "comments.author_id": Merge.MOVE,
    "responses.official_id": Merge.MOVE,
    "reports.reporter_id": Merge.MOVE,
    "decisions.moderator_id": Merge.MOVE,
    "decisions.target_author_id": Merge.MOVE,
    "appeals.member_id": Merge.MOVE,
    "points.member_id": Merge.POINTS,
    "leaderboard_points.member_id": Merge.LEADERBOARD,
    "conversations.member_id": Merge.MOVE,
    "platform_chats.set_by": Merge.MOVE,
    "handover_tokens.member_id": Merge.MOVE,
    "deliveries.member_id": Merge.MOVE,
    "digests.member_id": Merge.MOVE,
    "link_codes.member_id": Merge.MOVE,
    "link_failures.member_id": Merge.MOVE,
    # The roles a platform's role gave (core.services.platform_roles): they
    # come over with the roles themselves, to be taken back the same way.
    "platform_role_grants.member_id": Merge.MOVE,
    # Badges: a level held by both is kept once; the measures are rebuilt
    # from the merged points and facts, which may add levels (never announced).
    "badges.member_id": Merge.MOVE,
    "badge_facts.member_id": Merge.MOVE,
    "badge_progress.member_id": Merge.RECOMPUTED,
}

#: Columns whose rows are no history of what a member did (their accounts,
#: what is derived from other rows, what is under way or being sent): every
#: other member column is history, which /unlink cannot give back.
TECHNICAL = frozenset(
    {
        "identities.member_id",
        "leaderboard_points.member_id",
        "conversations.member_id",
        "handover_tokens.member_id",
        "deliveries.member_id",
        "digests.member_id",
        "link_codes.member_id",
        "link_failures.member_id",
        "platform_role_grants.member_id",
        "badge_progress.member_id",
    }
)


@dataclass(frozen=True)
class LinkCode:
    """A code to type on the other platform (``ABCD-EFGH``) and until when it works."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    """The member both identities now belong to, and the one merged into it."""

    member_id: int
    absorbed_id: int
    identities: int


def _normalised(typed: str) -> str:
    """The code as issued, from what was typed ("abcd efgh", "ABCD-EFGH");
    InvalidInput (nothing written, no try counted) when it cannot be one."""
    code = "".join(ch for ch in typed.upper() if ch not in " -")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise InvalidInput("error.link_code_format")
    return code


def _failures(uow: UnitOfWork, member_id: int, settings: PrivacySettings) -> list[datetime]:
    """The member's wrong codes within the lock's time, newest first (at most the allowed tries)."""
    f = tables.link_failures.c
    since = uow.now() - timedelta(minutes=settings.link_lock_minutes)
    return list(
        uow.session.scalars(
            select(f.created_at)
            .where(f.member_id == member_id, f.created_at > since)
            .order_by(f.created_at.desc())
            .limit(settings.link_wrong_tries)
        )
    )


def _minutes_left(uow: UnitOfWork, failures: list[datetime], settings: PrivacySettings) -> int:
    until = min(failures) + timedelta(minutes=settings.link_lock_minutes)
    return max(1, -(-int((until - uow.now()).total_seconds()) // 60))


def _ensure_unlocked(uow: UnitOfWork, member_id: int, settings: PrivacySettings) -> list[datetime]:
    failures = _failures(uow, member_id, settings)
    if len(failures) >= settings.link_wrong_tries:
        raise LimitReached("error.link_locked", count=_minutes_left(uow, failures, settings))
    return failures


def issue_code(uow: UnitOfWork, member_id: int, settings: PrivacySettings) -> LinkCode:
    """A new one-time code for ``member_id``; their earlier codes stop working."""
    with uow:
        _ensure_unlocked(uow, member_id, settings)
        now = uow.now()
        c = tables.link_codes.c
        uow.session.execute(
            delete(tables.link_codes).where(or_(c.member_id == member_id, c.expires_at < now - KEEP))
        )
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires = now + timedelta(minutes=settings.link_code_minutes)
        uow.session.execute(
            insert(tables.link_codes).values(
                digest=digest(code), member_id=member_id, created_at=now, expires_at=expires
            )
        )
        uow.commit()
    return LinkCode(f"{code[:4]}-{code[4:]}", expires)


def redeem_code(uow: UnitOfWork, member_id: int, typed: str, settings: PrivacySettings) -> Linked:
    """``member_id`` typed a code issued to another member: the two become one.

    InvalidInput for a code that cannot be one (nothing counted); for a
    wrong, used or expired code (one answer for the three), the try is
    recorded and counted; LimitReached while /link is locked; InvalidState
    for a code of one's own.
    """
    code = _normalised(typed)
    with uow:
        failures = _ensure_unlocked(uow, member_id, settings)
        now = uow.now()
        c = tables.link_codes.c
        row = uow.session.execute(
            select(c.member_id, c.expires_at, c.used_at).where(c.digest == digest(code))
        ).first()
        live = row if row is not None and row.used_at is None and row.expires_at > now else None
        # Only a live code is "your own": once used (by this very link, say) or
        # expired it is as wrong as any other, and counted.
        if live is not None and live.member_id == member_id:
            raise InvalidState("error.link_own_code")
        used = None
        if live is not None:
            used = uow.session.execute(
                update(tables.link_codes)
                .where(c.digest == digest(code), c.used_at.is_(None))
                .values(used_at=now)
            )
        if row is None or used is None or getattr(used, "rowcount", 0) != 1:
            left = settings.link_wrong_tries - len(failures) - 1
            wrong: PossiblesError = (
                LimitReached("error.link_locked", count=settings.link_lock_minutes)
                if left <= 0
                else InvalidInput("error.link_code_wrong", count=left)
            )
            # Counted once the command is rolled back (core.errors: trace).
            wrong.trace = partial(_count_wrong_code, at=now)
            raise wrong
        linked = merge(uow, int(row.member_id), member_id)
        uow.commit()
    return linked


def _count_wrong_code(uow: UnitOfWork, member_id: int, *, at: datetime) -> None:
    uow.session.execute(insert(tables.link_failures).values(member_id=member_id, created_at=at))


def has_history(uow: UnitOfWork, member_id: int) -> bool:
    """Inside an open unit of work: whether the member did anything that
    left a row (anything but the ``TECHNICAL`` columns)."""
    checks = [exists().where(key.column == member_id) for key in member_keys() if key.name not in TECHNICAL]
    return bool(uow.session.scalar(select(or_(*checks))))


def merge(uow: UnitOfWork, first_id: int, second_id: int) -> Linked:
    """Inside an open unit of work: members ``first_id`` and ``second_id``
    become one (see the module's docstring for which is kept and how)."""
    missing = [key.name for key in member_keys() if key.name not in MERGE]
    if missing:
        raise RuntimeError(f"no linking rule for {', '.join(missing)} (core.services.linking.MERGE)")
    first_history, second_history = has_history(uow, first_id), has_history(uow, second_id)
    if first_history != second_history:
        kept_id, gone_id = (first_id, second_id) if first_history else (second_id, first_id)
    else:
        kept_id, gone_id = min(first_id, second_id), max(first_id, second_id)
    brought = first_history if gone_id == first_id else second_history
    kept, gone = get_member(uow, kept_id), get_member(uow, gone_id)
    _merge_settings(kept, gone)
    uow.session.flush()
    _merge_supports(uow, kept_id, gone_id)
    identities = 0
    for key in member_keys():
        rule = MERGE[key.name]
        if rule is Merge.MOVE:
            _move(uow, key, kept_id, gone_id)
        elif rule is Merge.POINTS:
            _merge_points(uow, kept_id, gone_id, listed=not kept.leaderboard_opt_out)
        elif rule is Merge.IDENTITIES:
            li = tables.identities.c
            identities = (
                uow.session.scalar(select(func.count()).where(li.member_id.in_((kept_id, gone_id)))) or 0
            )
            uow.session.execute(
                update(tables.identities)
                .where(li.member_id == gone_id)
                .values(member_id=kept_id, linked_at=uow.now(), brought_history=brought)
            )
        # SUPPORTS were merged first; LEADERBOARD rows move with the POINTS.
    # Tallies last: the points taken back above moved the other's too.
    for key in member_keys():
        if MERGE[key.name] is Merge.RECOMPUTED:
            uow.session.execute(delete(key.table).where(key.column == gone_id))
    badges.recompute(uow, [kept_id])
    leaderboards.set_listed(uow, kept_id, not kept.leaderboard_opt_out)
    uow.session.expunge(gone)
    uow.session.execute(delete(tables.members).where(tables.members.c.id == gone_id))
    uow.emit(MembersLinked(member_id=kept_id, absorbed_id=gone_id))
    return Linked(member_id=kept_id, absorbed_id=gone_id, identities=int(identities))


def _merge_settings(kept: Member, gone: Member) -> None:
    """The kept member's settings, the longest suspension, an opting out of either."""
    kept.suspended_permanently = kept.suspended_permanently or gone.suspended_permanently
    if gone.suspended_until is not None and (
        kept.suspended_until is None or gone.suspended_until > kept.suspended_until
    ):
        kept.suspended_until = gone.suspended_until
    kept.leaderboard_opt_out = kept.leaderboard_opt_out or gone.leaderboard_opt_out
    if kept.home_area_id is None:
        kept.home_area_id = gone.home_area_id
    kept.created_at = min(kept.created_at, gone.created_at)


def _move(uow: UnitOfWork, key: MemberKey, kept_id: int, gone_id: int) -> None:
    """Rows of ``gone_id`` become ``kept_id``'s, but for those the kept
    member already holds on a unique key (which are dropped)."""
    for others in key.unique_groups():
        theirs = key.table.alias("kept_rows")
        same = [theirs.c[key.column.name] == kept_id, *(theirs.c[c.name] == c for c in others)]
        uow.session.execute(delete(key.table).where(key.column == gone_id, exists().where(*same)))
    uow.session.execute(update(key.table).where(key.column == gone_id).values({key.column.name: kept_id}))


def _merge_supports(uow: UnitOfWork, kept_id: int, gone_id: int) -> None:
    """Two supports of one initiative count once: the other's goes (taken
    off the kept counts) and the kept one becomes a volunteer's if either
    was. The author's point for a supporter is then one point for one
    person: dropped for a support that went, or for a support of one's own
    initiative; otherwise it names the kept member."""
    s, i = tables.supports.c, tables.initiatives.c
    rows = uow.session.execute(
        select(s.id, s.initiative_id, s.member_id, s.kind, s.created_at, i.author_id)
        .join(tables.initiatives, i.id == s.initiative_id)
        .where(s.member_id.in_((kept_id, gone_id)))
        .order_by(s.initiative_id)
    ).all()
    by_initiative: dict[int, dict[int, tuple[int, SupportKind, datetime, int]]] = {}
    for support_id, initiative_id, member_id, kind, at, author_id in rows:
        by_initiative.setdefault(int(initiative_id), {})[int(member_id)] = (
            int(support_id),
            SupportKind(kind),
            at,
            int(author_id),
        )
    for initiative_id, both in by_initiative.items():
        if gone_id not in both:
            continue
        gone_support, gone_kind, gone_at, author_id = both[gone_id]
        own = author_id in (kept_id, gone_id)
        if kept_id in both:
            kept_support, kept_kind, _at, _author = both[kept_id]
            uow.session.execute(delete(tables.supports).where(s.id == gone_support))
            counts.removed(uow, initiative_id, gone_at, gone_kind)
            if gone_kind is SupportKind.VOLUNTEER and kept_kind is not SupportKind.VOLUNTEER:
                uow.session.execute(
                    update(tables.supports).where(s.id == kept_support).values(kind=SupportKind.VOLUNTEER)
                )
                counts.upgraded(uow, initiative_id)
            dropped = [support_ref(initiative_id, gone_id)]
            if own:
                dropped.append(support_ref(initiative_id, kept_id))
            for ref in dropped:
                reputation.take_back(uow, author_id, PointReason.SUPPORT_RECEIVED, ref)
            continue
        uow.session.execute(update(tables.supports).where(s.id == gone_support).values(member_id=kept_id))
        ref = support_ref(initiative_id, gone_id)
        if own:
            reputation.take_back(uow, author_id, PointReason.SUPPORT_RECEIVED, ref)
        else:
            p = tables.points.c
            uow.session.execute(
                update(tables.points)
                .where(p.member_id == author_id, p.reason == PointReason.SUPPORT_RECEIVED, p.ref == ref)
                .values(ref=support_ref(initiative_id, kept_id))
            )


def _merge_points(uow: UnitOfWork, kept_id: int, gone_id: int, *, listed: bool) -> None:
    """One line per act: the other's line for an act the kept member holds
    a line for is taken back; the rest, and the leaderboards, change hands."""
    p = tables.points.c
    theirs = tables.points.alias("kept_lines")
    same = exists().where(theirs.c.member_id == kept_id, theirs.c.reason == p.reason, theirs.c.ref == p.ref)
    reputation.take_back_lines(uow, p.member_id == gone_id, same)
    leaderboards.moved(uow, gone_id, kept_id, listed)
    uow.session.execute(update(tables.points).where(p.member_id == gone_id).values(member_id=kept_id))


def unlink(uow: UnitOfWork, member_id: int, identity: Identity) -> int:
    """Split ``identity`` off ``member_id`` into a new member with the same
    settings and no history, where the module's rule allows; returns the new
    member's id. Refusals (InvalidState, Suspended) change nothing."""
    with uow:
        now = uow.now()
        member = get_member(uow, member_id)
        li = tables.identities.c
        mine = list(uow.session.scalars(select(LinkedIdentity).where(li.member_id == member_id)))
        if len(mine) < 2:
            raise InvalidState("error.unlink_only_identity")
        if member.is_suspended(now):
            raise Suspended("error.unlink_suspended")
        this = next(
            (x for x in mine if (x.platform, x.external_id) == (identity.platform, identity.external_id)),
            None,
        )
        if this is None:
            raise InvalidState("error.unlink_only_identity")
        if this.linked_at is None:
            raise InvalidState("error.unlink_original")
        if this.brought_history:
            raise InvalidState("error.unlink_history")
        new = Member(
            display_name=member.display_name,
            language=member.language,
            time_zone=member.time_zone,
            created_at=now,
            home_area_id=member.home_area_id,
            digest_frequency=member.digest_frequency,
            digest_time=member.digest_time,
            quiet_start=member.quiet_start,
            quiet_end=member.quiet_end,
        )
        uow.session.add(new)
        uow.session.flush()
        assert new.id is not None
        this.member_id = new.id
        this.linked_at = None
        this.brought_history = False
        uow.emit(MemberUnlinked(member_id=member_id, new_member_id=new.id, platform=identity.platform))
        uow.commit()
        return new.id
