"""Review items and the reports that wait on a target: the one way an item
is opened (reports, the word list) and read, and the reports since the last
decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from core.domain.moderation import (
    Decision,
    Report,
    ReviewCause,
    ReviewItem,
    TargetType,
)
from core.errors import NotFound, StaleAction
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["OUTCOME", "decisions_with_outcome", "get_item", "open_item", "pending_reports", "reason_counts"]


def _last_decision_at(uow: UnitOfWork, target_type: str, target_id: int) -> datetime | None:
    d = tables.decisions.c
    last: datetime | None = uow.session.scalar(
        select(func.max(d.created_at)).where(d.target_type == target_type, d.target_id == target_id)
    )
    return last


def pending_reports(uow: UnitOfWork, target_type: str, target_id: int) -> list[Report]:
    """Reports newer than the last decision on the target: after a decision
    the count starts again from zero."""
    r = tables.reports.c
    stmt = select(Report).where(r.target_type == target_type, r.target_id == target_id)
    since = _last_decision_at(uow, target_type, target_id)
    if since is not None:
        stmt = stmt.where(r.created_at > since)
    return list(uow.session.scalars(stmt.order_by(r.created_at, r.id)))


def open_item(uow: UnitOfWork, target_type: str, target_id: int, cause: ReviewCause) -> ReviewItem:
    """The open review item of this target and cause, opened if there is none."""
    r = tables.review_items.c
    item = uow.session.scalars(
        select(ReviewItem).where(
            r.target_type == target_type,
            r.target_id == target_id,
            r.cause == cause,
            r.closed_at.is_(None),
        )
    ).first()
    if item is None:
        item = ReviewItem(
            target_type=TargetType(target_type), target_id=target_id, cause=cause, opened_at=uow.now()
        )
        uow.session.add(item)
        uow.session.flush()
    return item


def reason_counts(reports: list[Report]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in reports:
        counts[r.reason] = counts.get(r.reason, 0) + 1
    return counts


def get_item(uow: UnitOfWork, item_id: int, *, for_update: bool = False) -> ReviewItem:
    """With ``for_update``, locked and read afresh (another moderator may
    have closed it while this transaction waited)."""
    item = uow.session.get(ReviewItem, item_id, with_for_update=for_update, populate_existing=for_update)
    if item is None:
        raise NotFound("error.review_item_not_found", id=item_id)
    if not item.is_open:
        raise StaleAction("error.review_already_decided", id=item_id)
    return item


#: The decision that answered an appeal (its action: uphold or overturn).
OUTCOME = tables.decisions.alias("outcome")


def decisions_with_outcome(*columns: Any) -> Select[Any]:
    """Decisions of first instance with, when appealed, the appeal's columns
    asked for and the outcome (``OUTCOME.c.action``: None while pending)."""
    d, a = tables.decisions.c, tables.appeals.c
    return (
        select(Decision, *columns)
        .outerjoin(tables.appeals, a.decision_id == d.id)
        .outerjoin(OUTCOME, OUTCOME.c.id == a.outcome_decision_id)
        .where(d.appeal_of_id.is_(None))
    )
