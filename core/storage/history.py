"""Histories kept from domain events, in the transaction of the event: what
the current rows forget (an initiative's statuses before its current one).

Infrastructure called by the unit of work's ``emit``: each event type that
leaves a trace is dispatched here by its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert

from core.domain.events import DomainEvent, InitiativeStatusChanged
from core.storage import tables

if TYPE_CHECKING:
    from core.storage.uow import UnitOfWork

__all__ = ["record"]


def record(uow: UnitOfWork, event: DomainEvent) -> None:
    """Keep what ``event`` changes in the histories (most events change none)."""
    if isinstance(event, InitiativeStatusChanged):
        uow.session.execute(
            insert(tables.status_changes).values(
                initiative_id=event.initiative_id, old=event.old, new=event.new, at=uow.now()
            )
        )
