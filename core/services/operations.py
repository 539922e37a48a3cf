"""What an operator watches, read from the database when asked (``/healthz``,
``/metrics``): whether the database answers, deliveries by state, the
moderators' review queue, and how late digests go out.

Figures are computed at each scrape rather than counted in memory, so every
process (and a restart) reports the same truth, and the core needs no
metrics library.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from core.domain.deliveries import DeliveryKind, DeliveryState
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["Gauges", "database_reachable", "gauges"]


def database_reachable(uow: UnitOfWork) -> bool:
    """True when the database answers a trivial query."""
    try:
        with uow.transaction(writes=False):
            uow.session.execute(text("SELECT 1"))
    except Exception:  # any failure to answer is "not reachable"; the caller says 503
        return False
    return True


@dataclass(frozen=True)
class Gauges:
    #: (platform, state) -> deliveries.
    deliveries: dict[tuple[str, str], int]
    #: Review items still waiting for a moderator's decision.
    review_queue: int
    #: Seconds the oldest due, unsent digest has waited (0 when none waits).
    digest_lag_seconds: float


def gauges(uow: UnitOfWork) -> Gauges:
    """The figures of ``/metrics``: a few aggregate queries."""
    d, r = tables.deliveries.c, tables.review_items.c
    with uow.transaction(writes=False):
        now = uow.now()
        deliveries = {
            (str(platform), str(state)): int(count)
            for platform, state, count in uow.session.execute(
                select(d.platform, d.state, func.count()).group_by(d.platform, d.state)
            )
        }
        queue = int(uow.session.scalar(select(func.count()).where(r.closed_at.is_(None))) or 0)
        oldest = uow.session.scalar(
            select(func.min(d.not_before)).where(
                d.kind == DeliveryKind.DIGEST.value,
                d.state.in_([DeliveryState.PENDING.value, DeliveryState.SENDING.value]),
                d.not_before <= now,
            )
        )
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Gauges(deliveries=deliveries, review_queue=queue, digest_lag_seconds=lag)
