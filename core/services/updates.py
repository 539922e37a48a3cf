"""Platform updates handled once: a front end asks ``seen`` before handling an
update and calls ``record`` after, so an update delivered again (polling
restarted before its offset was confirmed, a webhook retried) is skipped.

The record is written after the handling, not before: a crash in between
handles the update again on restart (the core refuses a second join, a second
decision...) rather than losing what a person did.

The records are deleted ``KEEP`` after the handling by the daily purge
(core.services.privacy.purge), the one job that owns their retention.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["KEEP", "record", "seen"]

#: How long a handled update's id is kept. It only guards against the
#: platform sending the update again, which Telegram does for at most 24 hours
#: (it keeps undelivered updates no longer): a few days is plenty, and keeping
#: less is keeping less about people.
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

