"""Points: written as things happen, summed by leaderboards."""

from __future__ import annotations

from core.domain.reputation import POINTS, PointEntry, PointReason
from core.storage.uow import UnitOfWork

__all__ = ["award"]


def award(uow: UnitOfWork, member_id: int, area_id: int, reason: PointReason, ref: str = "") -> None:
    """Inside an open unit of work: add one line to the points ledger."""
    uow.session.add(
        PointEntry(
            member_id=member_id,
            area_id=area_id,
            reason=reason.value,
            points=POINTS[reason],
            created_at=uow.now(),
            ref=ref,
        )
    )
