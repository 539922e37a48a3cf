"""Platform updates handled once: a front end asks ``seen`` before handling an
update and calls ``record`` after, so an update delivered again (polling
restarted before its offset was confirmed, a webhook retried) is skipped.

The record is written after the handling, not before: a crash in between
handles the update again on restart (the core refuses a second join, a second
decision...) rather than losing what a person did.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["KEEP", "prune", "record", "seen"]

#: Telegram keeps undelivered updates for 24 hours; a few days is plenty.
KEEP = timedelta(days=3)


def seen(uow: UnitOfWork, platform: str, update_id: int) -> bool:
    """True when this update was already handled (a read transaction: on
    SQLite it takes no write lock, asked as it is before every update)."""
    c = tables.processed_updates.c
    with uow.transaction(writes=False):
        found = uow.session.execute(
            select(c.update_id).where(c.platform == platform, c.update_id == update_id)
        ).first()
    return found is not None


def record(uow: UnitOfWork, platform: str, update_id: int) -> None:
    """Remember that this update was handled (twice is harmless)."""
    with uow:
        try:
            uow.session.execute(
                tables.processed_updates.insert().values(
                    platform=platform, update_id=update_id, processed_at=uow.now()
                )
            )
            uow.commit()
        except IntegrityError:
            uow.rollback()


def prune(uow: UnitOfWork, keep: timedelta = KEEP) -> int:
    """Forget updates handled longer than ``keep`` ago; returns how many."""
    c = tables.processed_updates.c
    with uow:
        result = uow.session.execute(
            delete(tables.processed_updates).where(c.processed_at < uow.now() - keep)
        )
        uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)
