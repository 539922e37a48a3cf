"""Decisions: a moderator decides a review item once, in the open;
the outcome of an appeal undoes exactly what was decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update

from core.config import Settings
from core.domain.events import (
    AppealDecided,
    DecisionTaken,
    InitiativeStatusChanged,
    MemberSuspended,
)
from core.domain.initiatives import Initiative, Visibility
from core.domain.moderation import (
    REASON_MAX,
    Appeal,
    Decision,
    ModerationAction,
    Report,
    ReviewCause,
    ReviewItem,
    TargetType,
    default_reason,
    ensure_action_allowed,
    ensure_may_decide,
    lift_suspension,
    parse_action,
    reopen_after_overturn,
    suspension_end,
    visibility_after,
)
from core.domain.reputation import PointReason
from core.domain.text import clean_text
from core.errors import InvalidInput, NotFound, StaleAction
from core.services import reputation
from core.services.members import get_member
from core.services.moderation.items import (
    OUTCOME,
    decisions_with_outcome,
    get_item,
    pending_reports,
    reason_counts,
)
from core.services.moderation.review_queue import ensure_moderator
from core.services.moderation.targets import Target, load_target
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["DecisionResult", "decide"]


@dataclass(frozen=True)
class DecisionResult:
    decision_id: int
    item_id: int
    target_type: TargetType
    target_id: int
    action: ModerationAction
    reason: str
    moderator_name: str
    suspension_days: int | None
    suspended_until: datetime | None

    @classmethod
    def of(cls, decision: Decision, item_id: int, moderator_name: str) -> DecisionResult:
        """The result of a decision as written (also read back later, for notices)."""
        assert decision.id is not None
        suspends = decision.action == ModerationAction.SUSPEND
        until = decision.suspends_until if suspends else None
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
    reasons (or the cause), stored as language-neutral codes; a dismissal
    then has none (``default_reason``).
    """
    act = parse_action(action)
    typed = (
        clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True) if reason.strip() else None
    )
    with uow:
        now = uow.now()
        moderator = ensure_moderator(uow, moderator_id)
        moderator.ensure_may_act(now)
        # Lock the content first, then the item: two moderators deciding two
        # items of the same content at once queue on the content's row in one
        # order (on PostgreSQL each holding one item and waiting for the
        # other's was a deadlock); the second then finds its item decided.
        seen = get_item(uow, review_item_id)
        target = load_target(uow, seen.target_type, seen.target_id, removed_ok=True, for_update=True)
        item = get_item(uow, review_item_id, for_update=True)
        assert item.id is not None
        ensure_action_allowed(act, item.cause, item.target_type)
        appealed: tuple[Appeal, Decision] | None = None
        if item.cause == ReviewCause.APPEAL:
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
        reports = pending_reports(uow, item.target_type, item.target_id) if appealed is None else []
        decision = Decision(
            target_type=item.target_type,
            target_id=item.target_id,
            moderator_id=moderator_id,
            action=act,
            reason=typed or default_reason(act, reason_counts(reports), item.cause),
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
    if item.cause != ReviewCause.APPEAL:
        uow.session.execute(
            update(tables.review_items)
            .where(
                r.target_type == item.target_type,
                r.target_id == item.target_id,
                r.cause != ReviewCause.APPEAL,
                r.closed_at.is_(None),
            )
            .values(closed_at=now, decision_id=decision_id)
            .execution_options(synchronize_session=False)
        )


def _apply(
    uow: UnitOfWork,
    act: ModerationAction,
    target: Target,
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
        uow.emit(MemberSuspended(member_id=target.author_id, until=until))
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
    target: Target,
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
            if isinstance(obj, Initiative) and original.action == ModerationAction.REMOVE:
                moved = reopen_after_overturn(obj, original, now)
                if moved is not None:
                    uow.emit(InitiativeStatusChanged(initiative_id=target.id, old=moved[0], new=moved[1]))
        if original.action == ModerationAction.SUSPEND and original.target_author_id is not None:
            member_id = original.target_author_id
            lift_suspension(get_member(uow, member_id), _standing_suspensions(uow, member_id, original))
        # The points the overturned decision gave and took are void.
        reputation.void(uow, f"d{original.id}")
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
    d = tables.decisions.c
    return list(
        uow.session.scalars(
            decisions_with_outcome().where(
                d.target_author_id == member_id,
                d.action == ModerationAction.SUSPEND,
                d.id != overturned.id,
                or_(OUTCOME.c.action.is_(None), OUTCOME.c.action != ModerationAction.OVERTURN),
            )
        )
    )
