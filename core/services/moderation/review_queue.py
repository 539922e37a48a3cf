"""The moderators' queue: open review items as a moderator's card shows
them, and the one way a review item is opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.domain.initiatives import Visibility
from core.domain.members import Member, Role, require_role
from core.domain.moderation import (
    Appeal,
    Decision,
    ModerationAction,
    ReviewCause,
    ReviewItem,
    TargetType,
    actions_for,
)
from core.domain.paging import page_count
from core.services.members import get_member, member_roles
from core.services.moderation.items import get_item, pending_reports, reason_counts
from core.services.moderation.targets import load_target
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "NOTES_SHOWN",
    "QUEUE_PAGE",
    "QueueEntry",
    "QueuePage",
    "ensure_moderator",
    "queue",
    "review_entry",
    "review_notice",
]

QUEUE_PAGE = 5
NOTES_SHOWN = 3


@dataclass(frozen=True)
class QueueEntry:
    """One review item as a moderator's card shows it."""

    item_id: int
    cause: ReviewCause
    opened_at: datetime
    target_type: TargetType
    target_id: int
    excerpt: str
    visibility: Visibility | None
    author_id: int
    author_name: str
    #: Distinct reporters since the last decision, and how many gave each reason.
    reports: int
    reasons: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    #: The decisions this item allows (the card's buttons).
    actions: tuple[ModerationAction, ...]
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


def ensure_moderator(uow: UnitOfWork, member_id: int) -> Member:
    member = get_member(uow, member_id)
    require_role(set(member_roles(uow, member_id)), Role.MODERATOR)
    return member


def _entry(uow: UnitOfWork, item: ReviewItem) -> QueueEntry:
    assert item.id is not None
    target = load_target(uow, item.target_type, item.target_id, removed_ok=True)
    author = get_member(uow, target.author_id)
    reports = pending_reports(uow, item.target_type, item.target_id)
    counts = reason_counts(reports)
    appeal_text = appealed_id = appealed_action = appealed_reason = None
    if item.cause == ReviewCause.APPEAL and item.appeal_id is not None:
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
        actions=actions_for(item.cause, item.target_type),
        appeal_text=appeal_text,
        appealed_decision_id=appealed_id,
        appealed_action=appealed_action,
        appealed_reason=appealed_reason,
    )


def queue(uow: UnitOfWork, moderator_id: int, page: int = 0) -> QueuePage:
    """Open review items, oldest first. Moderators (and admins) only."""
    r = tables.review_items.c
    with uow:
        ensure_moderator(uow, moderator_id)
        total = int(uow.session.scalar(select(func.count()).where(r.closed_at.is_(None))) or 0)
        items = uow.session.scalars(
            select(ReviewItem)
            .where(r.closed_at.is_(None))
            .order_by(r.opened_at, r.id)
            .offset(max(0, page) * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
        ).all()
        return QueuePage(tuple(_entry(uow, item) for item in items), max(0, page), total)


def review_entry(uow: UnitOfWork, moderator_id: int, item_id: int) -> QueueEntry:
    """One open review item (to pick a suspension length). Moderators only."""
    with uow:
        ensure_moderator(uow, moderator_id)
        return _entry(uow, get_item(uow, item_id))


def review_notice(uow: UnitOfWork, item_id: int) -> QueueEntry | None:
    """Inside an open unit of work: an open review item as the moderators'
    chat shows it, pushed there by notifications (no moderator asked: who
    may act is checked when a button is pressed); None once decided."""
    item = uow.session.get(ReviewItem, item_id)
    if item is None or not item.is_open:
        return None
    return _entry(uow, item)
