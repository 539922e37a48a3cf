"""The unit of work: one per command, one transaction, events in the outbox."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from core.clock import Clock, utcnow
from core.domain.events import DomainEvent
from core.storage import outbox
from core.storage.database import Database

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back.

    The same object is reused for successive commands (each ``with`` opens a
    fresh session). ``emit`` writes a domain event to the outbox inside the
    current transaction, so the event exists if and only if the change does.
    """

    session: Session

    def __init__(self, database: Database, clock: Clock = utcnow, *, time_zone: str = "UTC") -> None:
        self.database = database
        self.clock = clock
        #: The deployment's time zone: weeks and months of the leaderboards
        #: begin at its midnight.
        self.time_zone = time_zone
        self.events: list[DomainEvent] = []
        self._open = False

    def __enter__(self) -> Self:
        if self._open:
            # A second transaction from the same thread would wait on the first
            # one's lock (SQLite) or see none of its writes: always a bug.
            raise RuntimeError("this unit of work is already open; use a new one per use case")
        self._open = True
        self.session = self.database.sessions()
        self.events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring the
        # objects read: they leave detached but readable.
        self._open = False
        self.session.close()

    def now(self) -> datetime:
        return self.clock()

    def emit(self, event: DomainEvent) -> None:
        self.session.flush()
        outbox.append(self, event)
        self.events.append(event)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
