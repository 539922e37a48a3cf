"""The outbox: domain events written in the transaction of their change, read
back in order into the event classes (``core.domain.event_codec``), and the
cursors of their readers.

A row that no longer reads — a name no class answers to (written by another
version), or a payload its class refuses — comes back as ``Unreadable`` for
the reader to log and pass over: one odd row never blocks the events behind it.

Infrastructure, not a use case: the unit of work appends here, and the one
reader, notifications' router, reaches it through ``core.services.outbox``
(notifications goes through core.services only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from core.domain.deliveries import DeliveryDraft
from core.domain.event_codec import Unreadable, encode, read_event
from core.domain.events import DomainEvent
from core.storage import tables
from core.storage.ledger import insert_drafts, insert_ignoring_duplicates

if TYPE_CHECKING:
    from core.storage.uow import UnitOfWork

__all__ = [
    "OutboxBatch",
    "OutboxEntry",
    "append",
    "read_outbox",
    "record_routing",
]

# --- writing and reading --------------------------------------------------------


def append(uow: UnitOfWork, event: DomainEvent) -> None:
    """Inside an open unit of work: write the event to the outbox."""
    uow.session.execute(
        insert(tables.outbox).values(name=event.name, payload=encode(event), occurred_at=uow.now())
    )


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row, read back."""

    id: int
    event: DomainEvent | Unreadable
    occurred_at: datetime


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(int(row.id), read_event(str(row.name), dict(row.payload)), row.occurred_at)


@dataclass(frozen=True)
class OutboxBatch:
    """Entries after the cursor's ``position``, in order."""

    position: int
    entries: tuple[OutboxEntry, ...]


def _position(uow: UnitOfWork, cursor: str) -> int:
    c = tables.outbox_cursors.c
    found = uow.session.scalar(select(c.position).where(c.name == cursor))
    return int(found) if found is not None else 0


def read_outbox(uow: UnitOfWork, cursor: str, limit: int) -> OutboxBatch:
    """The entries after the named cursor (0 when it never moved)."""
    o = tables.outbox.c
    with uow:
        position = _position(uow, cursor)
        rows = uow.session.execute(
            select(o.id, o.name, o.payload, o.occurred_at).where(o.id > position).order_by(o.id).limit(limit)
        ).all()
    return OutboxBatch(position, tuple(_entry(r) for r in rows))


def record_routing(
    uow: UnitOfWork, cursor: str, expected: int, position: int, drafts: Sequence[DeliveryDraft]
) -> bool:
    """Write the deliveries of the events up to ``position`` and move the
    cursor there from ``expected``, in one transaction. False (and nothing
    written) when the cursor moved meanwhile: another router got there first."""
    c = tables.outbox_cursors.c
    with uow:
        insert_ignoring_duplicates(uow, tables.outbox_cursors, [{"name": cursor, "position": 0}], ["name"])
        insert_drafts(uow, drafts)
        moved = uow.session.execute(
            update(tables.outbox_cursors)
            .where(c.name == cursor, c.position == expected)
            .values(position=position)
            .execution_options(synchronize_session=False)
        )
        if getattr(moved, "rowcount", 0) != 1:
            uow.rollback()
            return False
        uow.commit()
        return True
