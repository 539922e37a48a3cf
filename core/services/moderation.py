"""Moderation after publication: members report, moderators decide in the
open, authors appeal once to a different moderator.

Content is published at once. Enough distinct reports hide it pending
review; every decision is a line of a public log that never names who
reported, nor which moderator decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.domain.contributions import Comment, Post
from core.domain.events import (
    AppealDecided,
    AppealFiled,
    ContentHidden,
    ContentReported,
    DecisionTaken,
    InitiativeStatusChanged,
    MemberSuspended,
)
from core.domain.initiatives import Initiative, Visibility
from core.domain.limits import Limited, ensure_within_limit
from core.domain.members import Member, Role, require_role
from core.domain.moderation import (
    APPEAL_MAX,
    NOTE_MAX,
    REASON_MAX,
    Appeal,
    Decision,
    ModerationAction,
    Report,
    ReviewCause,
    ReviewItem,
    TargetType,
    actions_for,
    ensure_action_allowed,
    ensure_appealable,
    ensure_may_decide,
    lift_suspension,
    parse_action,
    parse_reason,
    parse_target_type,
    reasons_summary,
    reopen_after_overturn,
    suspension_end,
    visibility_after,
)
from core.domain.paging import page_count
from core.domain.reputation import PointReason
from core.domain.responses import Response
from core.domain.text import clean_text
from core.errors import Conflict, InvalidInput, InvalidState, NotFound, StaleAction
from core.services import flows, reputation
from core.services.areas import national_area
from core.services.initiatives import count_recent
from core.services.members import get_member, member_roles
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "APPEAL_FLOW",
    "LOG_PAGE",
    "QUEUE_PAGE",
    "REPORT_FLOW",
    "DecisionResult",
    "LogEntry",
    "LogPage",
    "MyDecision",
    "QueueEntry",
    "QueuePage",
    "ReportResult",
    "TargetSummary",
    "appeal",
    "check_appealable",
    "check_reportable",
    "decide",
    "moderation_log",
    "my_decisions",
    "queue",
    "report",
    "review_entry",
    "review_notice",
]

REPORT_FLOW = "report"
APPEAL_FLOW = "appeal"
QUEUE_PAGE = 5
LOG_PAGE = 10
EXCERPT_MAX = 240
NOTES_SHOWN = 3

Content = Initiative | Post | Comment | Response
_CONTENT_CLASSES: dict[TargetType, type[Content]] = {
    TargetType.INITIATIVE: Initiative,
    TargetType.POST: Post,
    TargetType.COMMENT: Comment,
    TargetType.RESPONSE: Response,
}


# --- what can be reported: one small adapter over five kinds of rows ---------


@dataclass
class _Target:
    """A reportable thing: an initiative, post, comment, official response or member."""

    type: TargetType
    id: int
    obj: Content | Member

    @property
    def is_member(self) -> bool:
        return isinstance(self.obj, Member)

    @property
    def author_id(self) -> int:
        obj = self.obj
        if isinstance(obj, Member):
            assert obj.id is not None
            return obj.id
        if isinstance(obj, Response):
            return obj.official_id
        return obj.author_id

    @property
    def visibility(self) -> str | None:
        """None for members: they have no visibility."""
        return None if isinstance(self.obj, Member) else self.obj.visibility

    def set_visibility(self, visibility: Visibility) -> None:
        if isinstance(self.obj, Member):
            raise InvalidInput("error.moderation_member_action")
        self.obj.visibility = visibility.value

    def clear_flag(self) -> None:
        """The word-list flag is answered by any decision."""
        if not isinstance(self.obj, Member):
            self.obj.flagged = False

    @property
    def excerpt(self) -> str:
        obj = self.obj
        if isinstance(obj, Member):
            text = obj.display_name
        elif isinstance(obj, Initiative):
            text = f"{obj.title} — {obj.description}"
        else:
            text = obj.body
        text = " ".join(text.split())
        return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1].rstrip() + "…"

    def area_id(self, uow: UnitOfWork) -> int:
        """Where points earned or lost about this target are counted."""
        obj = self.obj
        if isinstance(obj, Initiative):
            return obj.area_id
        if isinstance(obj, Member):
            if obj.home_area_id is not None:
                return obj.home_area_id
            national = national_area(uow).id
            assert national is not None
            return national
        initiative = uow.session.get(Initiative, obj.initiative_id)
        assert initiative is not None
        return initiative.area_id


def _load_target(
    uow: UnitOfWork, target_type: str, target_id: int, *, removed_ok: bool = False, for_update: bool = False
) -> _Target:
    """Inside an open unit of work. Removed content is not found unless
    ``removed_ok`` (moderators deciding an appeal against a removal)."""
    kind = parse_target_type(target_type)
    cls: type[Content | Member] = Member if kind is TargetType.MEMBER else _CONTENT_CLASSES[kind]
    obj = cast(Content | Member | None, uow.session.get(cls, target_id, with_for_update=for_update))
    target = _Target(kind, target_id, obj) if obj is not None else None
    if target is None or (not removed_ok and target.visibility == Visibility.REMOVED.value):
        raise NotFound(f"error.moderation_{kind.value}_not_found", id=target_id)
    return target


@dataclass(frozen=True)
class TargetSummary:
    """What a reporter is shown before choosing a reason."""

    target_type: str
    target_id: int
    excerpt: str


# --- reports -----------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    target_type: str
    target_id: int
    #: Distinct reporters since the last decision on the target.
    reports: int
    #: True when this report hid the content pending review.
    hidden: bool


def _last_decision_at(uow: UnitOfWork, target_type: str, target_id: int) -> datetime | None:
    d = tables.decisions.c
    last: datetime | None = uow.session.scalar(
        select(func.max(d.created_at)).where(d.target_type == target_type, d.target_id == target_id)
    )
    return last


def _pending_reports(uow: UnitOfWork, target_type: str, target_id: int) -> list[Report]:
    """Reports newer than the last decision on the target: after a decision
    the count starts again from zero."""
    r = tables.reports.c
    stmt = select(Report).where(r.target_type == target_type, r.target_id == target_id)
    since = _last_decision_at(uow, target_type, target_id)
    if since is not None:
        stmt = stmt.where(r.created_at > since)
    return list(uow.session.scalars(stmt.order_by(r.created_at, r.id)))


def _open_item(uow: UnitOfWork, target_type: str, target_id: int, cause: ReviewCause) -> ReviewItem:
    """The open review item of this target and cause, opened if there is none."""
    r = tables.review_items.c
    item = uow.session.scalars(
        select(ReviewItem).where(
            r.target_type == target_type,
            r.target_id == target_id,
            r.cause == cause.value,
            r.closed_at.is_(None),
        )
    ).first()
    if item is None:
        item = ReviewItem(
            target_type=target_type, target_id=target_id, cause=cause.value, opened_at=uow.now()
        )
        uow.session.add(item)
        uow.session.flush()
    return item


def _ensure_may_report(uow: UnitOfWork, reporter: Member, target: _Target, settings: Settings) -> None:
    now = uow.now()
    reporter.ensure_may_act(now)
    if target.author_id == reporter.id:
        raise InvalidInput("error.report_own")
    if target.visibility == Visibility.HIDDEN.value:
        # Already out of view and before the moderators; its text is not
        # shown to whoever guesses its number.
        raise InvalidState("error.report_hidden")
    r = tables.reports.c
    already = uow.session.scalar(
        select(r.id).where(
            r.target_type == target.type.value, r.target_id == target.id, r.reporter_id == reporter.id
        )
    )
    if already is not None:
        raise Conflict("error.report_already")
    assert reporter.id is not None
    done = count_recent(uow, tables.reports, "reporter_id", reporter.id, now - timedelta(days=1))
    ensure_within_limit(Limited.REPORTS, done, settings.limits.reports_per_day)


def check_reportable(
    uow: UnitOfWork, reporter_id: int, target_type: str, target_id: int, settings: Settings
) -> TargetSummary:
    """Before the report flow asks for a reason: refuse at once what ``report``
    would refuse at the end (own content, reported already, suspended...)."""
    with uow:
        reporter = get_member(uow, reporter_id)
        target = _load_target(uow, target_type, target_id)
        _ensure_may_report(uow, reporter, target, settings)
        return TargetSummary(target.type.value, target.id, target.excerpt)


def report(
    uow: UnitOfWork,
    reporter_id: int,
    target_type: str,
    target_id: int,
    reason: str,
    note: str | None,
    settings: Settings,
    *,
    from_flow: str | None = None,
) -> ReportResult:
    """Report content or a member. One report per member per target.

    When the distinct reporters of visible content since its last decision
    reach ``reports_before_hiding``, the content is hidden pending review and
    one review item opens. A member has no visibility: reporting one opens
    (or joins) a review item at once. With ``from_flow`` (the step of the
    report flow it comes from) the flow closes in the same transaction.
    """
    kind = parse_target_type(target_type)
    why = parse_reason(reason)
    text = None
    if note is not None and note.strip():
        text = clean_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with uow:
        now = uow.now()
        reporter = get_member(uow, reporter_id)
        # The row lock makes the report that crosses the threshold unique.
        target = _load_target(uow, kind.value, target_id, for_update=True)
        _ensure_may_report(uow, reporter, target, settings)
        if from_flow is not None:
            flows.finish(uow, reporter_id, REPORT_FLOW, from_flow)
        uow.session.add(
            Report(
                target_type=kind.value,
                target_id=target_id,
                reporter_id=reporter_id,
                reason=why.value,
                created_at=now,
                note=text,
            )
        )
        try:
            uow.session.flush()
        except IntegrityError as exc:  # the same member, twice at once
            raise Conflict("error.report_already") from exc
        count = len(_pending_reports(uow, kind.value, target_id))
        uow.emit(ContentReported(target_type=kind.value, target_id=target_id, reports=count))
        hidden = False
        if target.is_member:
            _open_item(uow, kind.value, target_id, ReviewCause.REPORTS)
        elif (
            target.visibility == Visibility.VISIBLE.value
            and count >= settings.moderation.reports_before_hiding
        ):
            target.set_visibility(Visibility.HIDDEN)
            item = _open_item(uow, kind.value, target_id, ReviewCause.REPORTS)
            assert item.id is not None
            uow.emit(ContentHidden(target_type=kind.value, target_id=target_id, review_item_id=item.id))
            hidden = True
        uow.commit()
        return ReportResult(kind.value, target_id, count, hidden)


# --- the queue ---------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    """One review item as a moderator's card shows it."""

    item_id: int
    cause: str
    opened_at: datetime
    target_type: str
    target_id: int
    excerpt: str
    visibility: str | None
    author_id: int
    author_name: str
    #: Distinct reporters since the last decision, and how many gave each reason.
    reports: int
    reasons: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    #: The decisions this item allows (the card's buttons).
    actions: tuple[str, ...]
    appeal_text: str | None = None
    appealed_decision_id: int | None = None
    appealed_action: str | None = None
    appealed_reason: str | None = None


@dataclass(frozen=True)
class QueuePage:
    entries: tuple[QueueEntry, ...]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, QUEUE_PAGE)


def _ensure_moderator(uow: UnitOfWork, member_id: int) -> Member:
    member = get_member(uow, member_id)
    require_role(set(member_roles(uow, member_id)), Role.MODERATOR)
    return member


def _reason_counts(reports: list[Report]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in reports:
        counts[r.reason] = counts.get(r.reason, 0) + 1
    return counts


def _entry(uow: UnitOfWork, item: ReviewItem) -> QueueEntry:
    assert item.id is not None
    target = _load_target(uow, item.target_type, item.target_id, removed_ok=True)
    author = get_member(uow, target.author_id)
    reports = _pending_reports(uow, item.target_type, item.target_id)
    counts = _reason_counts(reports)
    appeal_text = appealed_id = appealed_action = appealed_reason = None
    if item.cause == ReviewCause.APPEAL.value and item.appeal_id is not None:
        appeal = uow.session.get(Appeal, item.appeal_id)
        assert appeal is not None
        original = uow.session.get(Decision, appeal.decision_id)
        assert original is not None
        appeal_text, appealed_id = appeal.text, original.id
        appealed_action, appealed_reason = original.action, original.reason
    return QueueEntry(
        item_id=item.id,
        cause=item.cause,
        opened_at=item.opened_at,
        target_type=item.target_type,
        target_id=item.target_id,
        excerpt=target.excerpt,
        visibility=target.visibility,
        author_id=target.author_id,
        author_name=author.display_name,
        reports=len(reports),
        reasons=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        notes=tuple(r.note for r in reversed(reports) if r.note)[:NOTES_SHOWN],
        actions=tuple(a.value for a in actions_for(item.cause, item.target_type)),
        appeal_text=appeal_text,
        appealed_decision_id=appealed_id,
        appealed_action=appealed_action,
        appealed_reason=appealed_reason,
    )


def queue(uow: UnitOfWork, moderator_id: int, page: int = 0) -> QueuePage:
    """Open review items, oldest first. Moderators (and admins) only."""
    r = tables.review_items.c
    with uow:
        _ensure_moderator(uow, moderator_id)
        total = int(uow.session.scalar(select(func.count()).where(r.closed_at.is_(None))) or 0)
        items = uow.session.scalars(
            select(ReviewItem)
            .where(r.closed_at.is_(None))
            .order_by(r.opened_at, r.id)
            .offset(max(0, page) * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
        ).all()
        return QueuePage(tuple(_entry(uow, item) for item in items), max(0, page), total)


def _get_item(uow: UnitOfWork, item_id: int, *, for_update: bool = False) -> ReviewItem:
    """With ``for_update``, locked and read afresh (another moderator may
    have closed it while this transaction waited)."""
    item = uow.session.get(ReviewItem, item_id, with_for_update=for_update, populate_existing=for_update)
    if item is None:
        raise NotFound("error.review_item_not_found", id=item_id)
    if not item.is_open:
        raise StaleAction("error.review_already_decided", id=item_id)
    return item


def review_entry(uow: UnitOfWork, moderator_id: int, item_id: int) -> QueueEntry:
    """One open review item (to pick a suspension length). Moderators only."""
    with uow:
        _ensure_moderator(uow, moderator_id)
        return _entry(uow, _get_item(uow, item_id))


def review_notice(uow: UnitOfWork, item_id: int) -> QueueEntry | None:
    """Inside an open unit of work: an open review item as the moderators'
    chat shows it, pushed there by notifications (no moderator asked: who
    may act is checked when a button is pressed); None once decided."""
    item = uow.session.get(ReviewItem, item_id)
    if item is None or not item.is_open:
        return None
    return _entry(uow, item)


# --- decisions ---------------------------------------------------------------


@dataclass(frozen=True)
class DecisionResult:
    decision_id: int
    item_id: int
    target_type: str
    target_id: int
    action: str
    reason: str
    moderator_name: str
    suspension_days: int | None
    suspended_until: datetime | None

    @classmethod
    def of(cls, decision: Decision, item_id: int, moderator_name: str) -> DecisionResult:
        """The result of a decision as written (also read back later, for notices)."""
        assert decision.id is not None
        until = None
        if decision.action == ModerationAction.SUSPEND.value and decision.suspension_days:
            until = decision.created_at + timedelta(days=decision.suspension_days)
        return cls(
            decision_id=decision.id,
            item_id=item_id,
            target_type=decision.target_type,
            target_id=decision.target_id,
            action=decision.action,
            reason=decision.reason,
            moderator_name=moderator_name,
            suspension_days=decision.suspension_days,
            suspended_until=until,
        )


def decide(
    uow: UnitOfWork,
    moderator_id: int,
    review_item_id: int,
    action: str,
    reason: str,
    settings: Settings,
    suspension_days: int | None = None,
) -> DecisionResult:
    """A moderator decides a review item, once.

    Never on their own content; an appeal goes to a moderator other than the
    one who took the decision appealed. The item is closed by a conditional
    UPDATE in the same transaction as the decision, so the same button
    pressed many times, even at once, decides once: the other presses get
    StaleAction("already decided"). An empty ``reason`` becomes the report
    reasons (or the cause), stored as language-neutral codes.
    """
    act = parse_action(action)
    typed = (
        clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True) if reason.strip() else None
    )
    with uow:
        now = uow.now()
        moderator = _ensure_moderator(uow, moderator_id)
        moderator.ensure_may_act(now)
        # Lock the content first, then the item: two moderators deciding two
        # items of the same content at once queue on the content's row in one
        # order (on PostgreSQL each holding one item and waiting for the
        # other's was a deadlock); the second then finds its item decided.
        seen = _get_item(uow, review_item_id)
        target = _load_target(uow, seen.target_type, seen.target_id, removed_ok=True, for_update=True)
        item = _get_item(uow, review_item_id, for_update=True)
        assert item.id is not None
        ensure_action_allowed(act, item.cause, item.target_type)
        appealed: tuple[Appeal, Decision] | None = None
        if item.cause == ReviewCause.APPEAL.value:
            appeal_row = uow.session.get(Appeal, item.appeal_id) if item.appeal_id is not None else None
            original = uow.session.get(Decision, appeal_row.decision_id) if appeal_row is not None else None
            if appeal_row is None or original is None:
                raise NotFound("error.review_item_not_found", id=review_item_id)
            ensure_may_decide(moderator_id, target.author_id, original.moderator_id)
            appealed = appeal_row, original
        else:
            ensure_may_decide(moderator_id, target.author_id)
        until: datetime | None = None
        if act is ModerationAction.SUSPEND:
            allowed = settings.moderation.suspension_days
            if suspension_days is None:
                raise InvalidInput("error.suspension_days", choices=", ".join(map(str, allowed)))
            until = suspension_end(now, suspension_days, allowed)
        reports = _pending_reports(uow, item.target_type, item.target_id) if appealed is None else []
        decision = Decision(
            target_type=item.target_type,
            target_id=item.target_id,
            moderator_id=moderator_id,
            action=act.value,
            reason=typed or reasons_summary(_reason_counts(reports)) or item.cause,
            created_at=now,
            target_author_id=target.author_id,
            suspension_days=suspension_days if act is ModerationAction.SUSPEND else None,
            appeal_of_id=appealed[1].id if appealed else None,
        )
        uow.session.add(decision)
        uow.session.flush()
        assert decision.id is not None
        _close_item(uow, item, decision.id)
        if appealed is None:
            _apply(uow, act, target, decision, reports, until)
        else:
            _apply_appeal(uow, act, target, decision, *appealed)
        uow.commit()
        assert item.id is not None
        return DecisionResult.of(decision, item.id, moderator.display_name)


def _close_item(uow: UnitOfWork, item: ReviewItem, decision_id: int) -> None:
    """Close the item only if still open; the loser of a race learns it here.
    Other open items on the same content (word list and reports) are answered
    by the same decision; an appeal stays its own matter."""
    now = uow.now()
    r = tables.review_items.c
    result = uow.session.execute(
        update(tables.review_items)
        .where(r.id == item.id, r.closed_at.is_(None))
        .values(closed_at=now, decision_id=decision_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise StaleAction("error.review_already_decided", id=item.id)
    item.closed_at, item.decision_id = now, decision_id
    if item.cause != ReviewCause.APPEAL.value:
        uow.session.execute(
            update(tables.review_items)
            .where(
                r.target_type == item.target_type,
                r.target_id == item.target_id,
                r.cause != ReviewCause.APPEAL.value,
                r.closed_at.is_(None),
            )
            .values(closed_at=now, decision_id=decision_id)
            .execution_options(synchronize_session=False)
        )


def _apply(
    uow: UnitOfWork,
    act: ModerationAction,
    target: _Target,
    decision: Decision,
    reports: list[Report],
    until: datetime | None,
) -> None:
    assert decision.id is not None
    now = uow.now()
    ref = f"d{decision.id}"
    if not target.is_member:
        visibility = visibility_after(act)
        if visibility is not None:
            target.set_visibility(visibility)
        target.clear_flag()
        obj = target.obj
        if act is ModerationAction.REMOVE and isinstance(obj, Initiative) and not obj.state.is_final:
            old, new = obj.close(now)
            decision.prior_status = old
            uow.emit(InitiativeStatusChanged(initiative_id=target.id, old=old, new=new))
    if act is ModerationAction.SUSPEND:
        author = get_member(uow, target.author_id)
        author.suspend(until)
        uow.emit(MemberSuspended(member_id=target.author_id, until=until.isoformat() if until else None))
    if act.upholds or act is ModerationAction.REMOVE:
        area_id = target.area_id(uow)
        if act.upholds:
            for reporter_id in dict.fromkeys(r.reporter_id for r in reports):
                reputation.award(uow, reporter_id, area_id, PointReason.REPORT_UPHELD, ref)
        if act is ModerationAction.REMOVE:
            reputation.award(uow, target.author_id, area_id, PointReason.CONTENT_REMOVED, ref)
    uow.emit(
        DecisionTaken(
            decision_id=decision.id,
            target_type=decision.target_type,
            target_id=decision.target_id,
            action=decision.action,
            reason=decision.reason,
            author_id=target.author_id,
        )
    )


def _apply_appeal(
    uow: UnitOfWork,
    act: ModerationAction,
    target: _Target,
    decision: Decision,
    appeal_row: Appeal,
    original: Decision,
) -> None:
    assert decision.id is not None and appeal_row.id is not None and original.id is not None
    now = uow.now()
    if act is ModerationAction.OVERTURN:
        if not target.is_member:
            target.set_visibility(Visibility.VISIBLE)
            obj = target.obj
            if isinstance(obj, Initiative) and original.action == ModerationAction.REMOVE.value:
                moved = reopen_after_overturn(obj, original, now)
                if moved is not None:
                    uow.emit(InitiativeStatusChanged(initiative_id=target.id, old=moved[0], new=moved[1]))
        if original.action == ModerationAction.SUSPEND.value and original.target_author_id is not None:
            member_id = original.target_author_id
            lift_suspension(get_member(uow, member_id), _standing_suspensions(uow, member_id, original))
        # The points the overturned decision gave and took are void.
        p = tables.points.c
        uow.session.execute(delete(tables.points).where(p.ref == f"d{original.id}"))
    appeal_row.outcome_decision_id = decision.id
    uow.emit(
        AppealDecided(
            appeal_id=appeal_row.id,
            decision_id=decision.id,
            upheld=act is ModerationAction.UPHOLD,
            member_id=appeal_row.member_id,
        )
    )


def _standing_suspensions(uow: UnitOfWork, member_id: int, overturned: Decision) -> list[Decision]:
    """The member's other suspensions, none of them overturned: they still bind."""
    d, a = tables.decisions.c, tables.appeals.c
    outcome = tables.decisions.alias("outcome")
    return list(
        uow.session.scalars(
            select(Decision)
            .outerjoin(tables.appeals, a.decision_id == d.id)
            .outerjoin(outcome, outcome.c.id == a.outcome_decision_id)
            .where(
                d.target_author_id == member_id,
                d.action == ModerationAction.SUSPEND.value,
                d.appeal_of_id.is_(None),
                d.id != overturned.id,
                or_(outcome.c.action.is_(None), outcome.c.action != ModerationAction.OVERTURN.value),
            )
        )
    )


# --- appeals -----------------------------------------------------------------


def _appealable(uow: UnitOfWork, member_id: int, decision_id: int) -> Decision:
    decision = uow.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("error.decision_not_found", id=decision_id)
    ensure_appealable(decision, member_id)
    a = tables.appeals.c
    if uow.session.scalar(select(a.id).where(a.decision_id == decision_id)) is not None:
        raise Conflict("error.appeal_exists", id=decision_id)
    return decision


def check_appealable(uow: UnitOfWork, member_id: int, decision_id: int) -> None:
    """Before the appeal flow asks for the text: refuse at once what
    ``appeal`` would refuse at the end."""
    with uow:
        get_member(uow, member_id)
        _appealable(uow, member_id, decision_id)


def appeal(
    uow: UnitOfWork, member_id: int, decision_id: int, text: str, *, from_flow: str | None = None
) -> int:
    """The author of decided content asks, once, for another look.

    A suspended member may appeal (their suspension above all). Opens a
    review item for a moderator other than the one who decided. Returns the
    appeal's id.
    """
    body = clean_text(text, field="text", max_length=APPEAL_MAX, multiline=True)
    with uow:
        now = uow.now()
        get_member(uow, member_id)
        decision = _appealable(uow, member_id, decision_id)
        if from_flow is not None:
            flows.finish(uow, member_id, APPEAL_FLOW, from_flow)
        filed = Appeal(decision_id=decision_id, member_id=member_id, text=body, created_at=now)
        uow.session.add(filed)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # appeals.decision_id is unique: a simultaneous twin
            raise Conflict("error.appeal_exists", id=decision_id) from exc
        assert filed.id is not None
        item = ReviewItem(
            target_type=decision.target_type,
            target_id=decision.target_id,
            cause=ReviewCause.APPEAL.value,
            opened_at=now,
            appeal_id=filed.id,
        )
        uow.session.add(item)
        uow.session.flush()
        assert item.id is not None
        uow.emit(AppealFiled(appeal_id=filed.id, decision_id=decision_id, review_item_id=item.id))
        uow.commit()
        return filed.id


@dataclass(frozen=True)
class MyDecision:
    """A decision on a member's content, as its author sees it."""

    decision_id: int
    target_type: str
    target_id: int
    action: str
    reason: str
    created_at: datetime
    suspension_days: int | None
    appealable: bool
    #: None: not appealed; "pending"; or the outcome ("uphold", "overturn").
    appeal: str | None


def my_decisions(uow: UnitOfWork, member_id: int, limit: int = 10) -> list[MyDecision]:
    """Decisions on the member's content (or on the member), newest first,
    with their reason and whether they can still be appealed."""
    d, a = tables.decisions.c, tables.appeals.c
    outcome = tables.decisions.alias("outcome")
    with uow:
        rows = uow.session.execute(
            select(Decision, a.id, outcome.c.action)
            .outerjoin(tables.appeals, a.decision_id == d.id)
            .outerjoin(outcome, outcome.c.id == a.outcome_decision_id)
            .where(d.target_author_id == member_id, d.appeal_of_id.is_(None))
            .order_by(d.created_at.desc(), d.id.desc())
            .limit(limit)
        ).all()
    found = []
    for decision, appeal_id, outcome_action in rows:
        assert decision.id is not None
        state = None if appeal_id is None else (outcome_action or "pending")
        found.append(
            MyDecision(
                decision_id=decision.id,
                target_type=decision.target_type,
                target_id=decision.target_id,
                action=decision.action,
                reason=decision.reason,
                created_at=decision.created_at,
                suspension_days=decision.suspension_days,
                appealable=appeal_id is None and decision.action != ModerationAction.DISMISS.value,
                appeal=state,
            )
        )
    return found


# --- the public log ----------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """A public line: what, the decision, its reason, when. Never who
    reported, never which moderator."""

    decision_id: int
    target_type: str
    target_id: int
    action: str
    reason: str
    created_at: datetime
    suspension_days: int | None
    appeal_of_id: int | None


@dataclass(frozen=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, LOG_PAGE)


def moderation_log(uow: UnitOfWork, page: int = 0) -> LogPage:
    """The public moderation log, newest first; anyone may read it."""
    d = tables.decisions.c
    page = max(0, page)
    with uow:
        total = int(uow.session.scalar(select(func.count()).select_from(tables.decisions)) or 0)
        rows = uow.session.execute(
            select(
                d.id,
                d.target_type,
                d.target_id,
                d.action,
                d.reason,
                d.created_at,
                d.suspension_days,
                d.appeal_of_id,
            )
            .order_by(d.created_at.desc(), d.id.desc())
            .offset(page * LOG_PAGE)
            .limit(LOG_PAGE)
        ).all()
    entries = tuple(
        LogEntry(
            decision_id=int(row.id),
            target_type=str(row.target_type),
            target_id=int(row.target_id),
            action=str(row.action),
            reason=str(row.reason),
            created_at=row.created_at,
            suspension_days=row.suspension_days,
            appeal_of_id=row.appeal_of_id,
        )
        for row in rows
    )
    return LogPage(entries, page, total)
