"""The delivery ledger as the rest of the project uses it.

Use cases, here: the admin's view (``possibles admin deliveries``), an admin
sending failed deliveries again, a member coming back to a chat (what waits
for them is due now).

The ledger itself — what a sender drains, claiming a delivery, recording
what became of it, the review cards an edit follows — is infrastructure,
implemented in ``core.storage.ledger`` and named here unchanged: notifications
reaches the core only through core.services (DESIGN's dependency rules, an
import contract), and this module is its door to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update

from core.domain.deliveries import DeliveryState
from core.errors import InvalidState
from core.storage import ledger as ledger_rows
from core.storage import tables
from core.storage.ledger import (
    DeliveryView,
    DueDelivery,
    PendingSummary,
    claim,
    defer,
    due,
    get_delivery,
    live_posts,
    live_topic,
    pending_summary,
    reclaim,
    record_outcome,
    review_cards,
    skip,
)
from core.storage.uow import UnitOfWork

__all__ = [
    "DeliveryView",
    "DueDelivery",
    "Ledger",
    "LedgerCount",
    "PendingSummary",
    "claim",
    "defer",
    "due",
    "get_delivery",
    "hasten",
    "ledger",
    "live_posts",
    "live_topic",
    "pending_summary",
    "reclaim",
    "record_outcome",
    "retry",
    "retry_failed",
    "review_cards",
    "skip",
]

_d = tables.deliveries.c


def hasten(uow: UnitOfWork, platform: str, address: str) -> int:
    """Make what waits for this chat due now (the person just came back)."""
    with uow:
        result = uow.session.execute(
            update(tables.deliveries)
            .where(
                _d.platform == platform,
                _d.address == address,
                _d.state == DeliveryState.PENDING.value,
                _d.not_before > uow.now(),
            )
            .values(not_before=uow.now())
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class LedgerCount:
    state: str
    kind: str
    platform: str
    count: int


@dataclass(frozen=True)
class Ledger:
    counts: tuple[LedgerCount, ...]
    failed: tuple[DeliveryView, ...]
    failed_total: int
    #: Retries after an unknown outcome, and how many deliveries had one:
    #: each may have reached its recipient twice.
    uncertain_retries: int
    uncertain_deliveries: int


def ledger(uow: UnitOfWork, failed_limit: int = 20) -> Ledger:
    """Counts by state, kind and platform; the latest failed deliveries with
    their error; the uncertain retries."""
    with uow:
        counts = tuple(
            LedgerCount(str(state), str(kind), str(platform), int(n))
            for state, kind, platform, n in uow.session.execute(
                select(_d.state, _d.kind, _d.platform, func.count())
                .group_by(_d.state, _d.kind, _d.platform)
                .order_by(_d.state, _d.kind, _d.platform)
            )
        )
        failed_filter = _d.state == DeliveryState.FAILED.value
        failed = tuple(
            ledger_rows.view_of(row)
            for row in uow.session.execute(
                select(*ledger_rows.COLUMNS).where(failed_filter).order_by(_d.id.desc()).limit(failed_limit)
            )
        )
        failed_total = int(uow.session.scalar(select(func.count()).where(failed_filter)) or 0)
        retries, touched = uow.session.execute(
            select(func.coalesce(func.sum(_d.uncertain), 0), func.count()).where(_d.uncertain > 0)
        ).one()
    return Ledger(counts, failed, failed_total, int(retries), int(touched))


def retry(uow: UnitOfWork, delivery_id: int) -> DeliveryView:
    """An admin sends a failed delivery again (its uncertain count stays:
    whoever retries accepts that it may arrive twice)."""
    with uow:
        view = ledger_rows.load(uow, delivery_id)
        if view.state != DeliveryState.FAILED.value:
            raise InvalidState("error.notifications_not_failed", id=delivery_id, state=view.state)
        _reset(uow, _d.id == delivery_id)
        view = ledger_rows.load(uow, delivery_id)
        uow.commit()
        return view


def retry_failed(uow: UnitOfWork) -> int:
    """Every failed delivery goes back to pending; returns how many."""
    with uow:
        count = _reset(uow, _d.state == DeliveryState.FAILED.value)
        uow.commit()
        return count


def _reset(uow: UnitOfWork, where: Any) -> int:
    result = uow.session.execute(
        update(tables.deliveries)
        .where(and_(where, _d.state == DeliveryState.FAILED.value))
        .values(state=DeliveryState.PENDING.value, attempts=0, not_before=uow.now(), claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
