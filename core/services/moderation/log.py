"""The public moderation log: what, the decision, its reason, when —
never who reported, never which moderator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.domain.moderation import ModerationAction, TargetType
from core.domain.paging import page_count
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["LOG_PAGE", "LogEntry", "LogPage", "moderation_log"]

LOG_PAGE = 10


@dataclass(frozen=True)
class LogEntry:
    """A public line: what, the decision, its reason, when. Never who
    reported, never which moderator."""

    decision_id: int
    target_type: TargetType
    target_id: int
    action: ModerationAction
    reason: str
    created_at: datetime
    suspension_days: int | None
    appeal_of_id: int | None


@dataclass(frozen=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    page: int
    total: int
    page_size: int = LOG_PAGE

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def moderation_log(uow: UnitOfWork, page: int = 0, *, size: int = LOG_PAGE) -> LogPage:
    """The public moderation log, newest first, ``size`` decisions a page;
    anyone may read it."""
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
            .offset(page * size)
            .limit(size)
        ).all()
    entries = tuple(
        LogEntry(
            decision_id=int(row.id),
            target_type=TargetType(row.target_type),
            target_id=int(row.target_id),
            action=ModerationAction(row.action),
            reason=str(row.reason),
            created_at=row.created_at,
            suspension_days=row.suspension_days,
            appeal_of_id=row.appeal_of_id,
        )
        for row in rows
    )
    return LogPage(entries, page, total, size)
