"""Read models for what notifications say, read when a message is sent (so
it says how things stand then), and the writes of the scheduled notices:
recalls of the review queue and officials' weekly summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.domain.deliveries import DeliveryDraft
from core.domain.members import Member
from core.domain.moderation import Appeal, Decision, ModerationAction, ReviewItem, TargetType, appealable
from core.services.members import MemberView, member_view
from core.services.moderation import DecisionResult, QueueEntry, review_notice
from core.services.moderation.appeals import appealed
from core.storage import tables
from core.storage.ledger import insert_drafts
from core.storage.uow import UnitOfWork

__all__ = [
    "AppealNotice",
    "DecisionNotice",
    "RecallItem",
    "active_officials",
    "appeal_notice",
    "decision_notice",
    "enqueue",
    "open_items",
    "recipient_view",
    "record_recall",
    "review_state",
    "stale_review_items",
]


@dataclass(frozen=True)
class DecisionNotice:
    """A decision on a member's content, as its author hears of it."""

    decision_id: int
    target_type: TargetType
    target_id: int
    action: ModerationAction
    reason: str
    suspension_days: int | None
    created_at: datetime
    appealable: bool


def decision_notice(uow: UnitOfWork, decision_id: int) -> DecisionNotice | None:
    with uow:
        decision = uow.session.get(Decision, decision_id)
        if decision is None or decision.id is None:
            return None
        return DecisionNotice(
            decision_id=decision.id,
            target_type=decision.target_type,
            target_id=decision.target_id,
            action=decision.action,
            reason=decision.reason,
            suspension_days=decision.suspension_days,
            created_at=decision.created_at,
            appealable=appealable(decision, appealed=appealed(uow, decision.id)),
        )


@dataclass(frozen=True)
class AppealNotice:
    appeal_id: int
    decision_id: int
    target_type: TargetType
    target_id: int
    upheld: bool
    reason: str


def appeal_notice(uow: UnitOfWork, appeal_id: int) -> AppealNotice | None:
    """An appeal's outcome: the decision appealed, and whether it stands."""
    with uow:
        appeal = uow.session.get(Appeal, appeal_id)
        if appeal is None or appeal.id is None or appeal.outcome_decision_id is None:
            return None
        original = uow.session.get(Decision, appeal.decision_id)
        outcome = uow.session.get(Decision, appeal.outcome_decision_id)
        if original is None or outcome is None:
            return None
        return AppealNotice(
            appeal_id=appeal.id,
            decision_id=appeal.decision_id,
            target_type=original.target_type,
            target_id=original.target_id,
            upheld=outcome.action == ModerationAction.UPHOLD.value,
            reason=outcome.reason,
        )


def review_state(uow: UnitOfWork, item_id: int) -> QueueEntry | DecisionResult | None:
    """A review item as its card shows it now: open (with its buttons), or
    the decision that closed it (who decided, what, why)."""
    with uow:
        entry = review_notice(uow, item_id)
        if entry is not None:
            return entry
        item = uow.session.get(ReviewItem, item_id)
        if item is None or item.id is None or item.decision_id is None:
            return None
        decision = uow.session.get(Decision, item.decision_id)
        if decision is None or decision.id is None:
            return None
        moderator = uow.session.get(Member, decision.moderator_id)
        return DecisionResult.of(decision, item.id, moderator.display_name if moderator else "?")


@dataclass(frozen=True)
class RecallItem:
    item_id: int
    cause: str
    target_type: str
    target_id: int
    opened_at: datetime


def open_items(uow: UnitOfWork, item_ids: Sequence[int]) -> list[RecallItem]:
    """Those of these review items still open, oldest first."""
    r = tables.review_items.c
    with uow:
        rows = uow.session.execute(
            select(r.id, r.cause, r.target_type, r.target_id, r.opened_at)
            .where(r.id.in_(list(item_ids)), r.closed_at.is_(None))
            .order_by(r.opened_at, r.id)
        ).all()
    return [
        RecallItem(int(x.id), str(x.cause), str(x.target_type), int(x.target_id), x.opened_at) for x in rows
    ]


def stale_review_items(uow: UnitOfWork, older_than: timedelta) -> list[int]:
    """Open review items opened longer ago than ``older_than`` and not
    recalled in the last day: what the daily recall lists."""
    r = tables.review_items.c
    with uow:
        now = uow.now()
        rows = uow.session.scalars(
            select(r.id)
            .where(
                r.closed_at.is_(None),
                r.opened_at <= now - older_than,
                (r.recalled_at.is_(None)) | (r.recalled_at <= now - timedelta(hours=23)),
            )
            .order_by(r.opened_at, r.id)
        )
        return [int(x) for x in rows]


def record_recall(uow: UnitOfWork, item_ids: Sequence[int], drafts: Sequence[DeliveryDraft]) -> None:
    """The recall's deliveries and the items' recall time, in one transaction."""
    r = tables.review_items.c
    with uow:
        insert_drafts(uow, drafts)
        uow.session.execute(
            update(tables.review_items)
            .where(r.id.in_(list(item_ids)))
            .values(recalled_at=uow.now())
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def enqueue(uow: UnitOfWork, drafts: Sequence[DeliveryDraft]) -> None:
    """Write deliveries (those whose key exists are left as they are)."""
    with uow:
        insert_drafts(uow, drafts)
        uow.commit()


def active_officials(uow: UnitOfWork) -> list[int]:
    """Members holding at least one active mandate."""
    m = tables.mandates.c
    with uow:
        return [
            int(x)
            for x in uow.session.scalars(
                select(m.member_id).where(m.revoked_at.is_(None)).distinct().order_by(m.member_id)
            )
        ]


def recipient_view(uow: UnitOfWork, member_id: int) -> MemberView | None:
    """The member a delivery goes to, as cards are built for them (their
    language, time zone, roles); None when the member is gone."""
    with uow:
        member = uow.session.get(Member, member_id)
        return member_view(uow, member) if member is not None else None
