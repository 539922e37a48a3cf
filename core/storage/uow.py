"""The unit of work: one per command, one transaction, events in the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.clock import Clock, utcnow
from core.domain.badges import BadgeBook
from core.domain.events import DomainEvent
from core.storage import history, outbox
from core.storage.database import KEPT, READS_FIRST, Database, is_refused_upgrade

__all__ = ["UnitOfWork", "in_one_transaction"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back.

    The outermost ``with`` owns the transaction: it opens a session, and its
    ``commit()`` commits. A ``with`` inside an open one joins it: a service
    called by a command (``with uow: ...; uow.commit()``) then runs in the
    command's transaction, its ``commit()`` only flushes and asks for a commit,
    and the outermost ``with`` commits what was asked when it ends without an
    exception (anything raised rolls the whole transaction back). So a command
    that calls several services is one transaction, and a refusal raised by
    the last one undoes what the first ones did.

    ``transaction(writes=False)`` opens a read transaction: on SQLite a
    deferred ``BEGIN`` that takes no write lock (``BEGIN IMMEDIATE`` otherwise).
    The same object is reused for successive transactions (each outermost
    ``with`` opens a fresh session). ``emit`` writes a domain event to the
    outbox inside the current transaction, so the event exists if and only if
    the change does.
    """

    session: Session

    def __init__(
        self,
        database: Database,
        clock: Clock = utcnow,
        *,
        time_zone: str = "UTC",
        badges: BadgeBook | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        #: The deployment's time zone: weeks and months of the leaderboards
        #: begin at its midnight.
        self.time_zone = time_zone
        #: The deployment's badges: levels are awarded in the transaction of
        #: the fact that reaches them (core.services.badges).
        self.badges = badges if badges is not None else BadgeBook()
        self.events: list[DomainEvent] = []
        self._depth = 0
        self._writes = True
        self._keeps = False
        self._commit_asked = False

    @property
    def is_open(self) -> bool:
        return self._depth > 0

    def transaction(self, *, writes: bool = True, keep_loaded: bool = False) -> Self:
        """``with uow.transaction(writes=False): ...``: the next outermost
        ``with`` opens a read transaction (``writes`` False) or a write one.

        ``keep_loaded`` keeps every entity the transaction reads until it
        ends, so reading one again (``session.get``) costs no statement: for
        a command, which reads little; not for a job walking a large table.

        A read transaction may still write: on SQLite it then tries to take
        the write lock, which fails at once when another connection holds it
        or wrote since the transaction began (see ``in_one_transaction``)."""
        if self._depth:
            raise RuntimeError("this unit of work is already open")
        self._writes = writes
        self._keeps = keep_loaded
        return self

    def __enter__(self) -> Self:
        self._depth += 1
        if self._depth > 1:
            return self  # joins the open transaction
        self.session = self.database.sessions()
        if self._keeps:
            self.session.info[KEPT] = []
        self.events = []
        self._commit_asked = False
        if not self._writes:
            # Options are taken when the session procures its connection,
            # before the database's "begin" hook runs: do it now.
            try:
                self.session.connection(execution_options={READS_FIRST: True})
            except BaseException:
                # No ``with`` body runs, so no __exit__: close here, and the
                # object stays usable (a database that was down may come back).
                self._depth, self._writes, self._keeps = 0, True, False
                self.session.close()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return  # the outermost ``with`` decides
        self._writes = True
        self._keeps = False
        try:
            if exc_type is None and self._commit_asked:
                self.session.commit()
        finally:
            self._commit_asked = False
            # close() rolls back whatever was not committed without expiring
            # the objects read: they leave detached but readable.
            self.session.close()

    def now(self) -> datetime:
        return self.clock()

    def emit(self, event: DomainEvent) -> None:
        self.session.flush()
        outbox.append(self, event)
        history.record(self, event)
        self.events.append(event)

    def commit(self) -> None:
        """Commit (outermost ``with``), or, inside a joined one, flush and
        leave the commit to the outermost ``with`` when it ends well."""
        if self._depth > 1:
            self.session.flush()
            self._commit_asked = True
            return
        self._commit_asked = False
        self.session.commit()

    def rollback(self) -> None:
        """Roll the whole transaction back, whichever ``with`` asks: what an
        enclosing service wrote goes too (a refusal undoes the command)."""
        self._commit_asked = False
        self.session.rollback()


def in_one_transaction(
    uow_factory: Callable[[], UnitOfWork], work: Callable[[UnitOfWork], T], *, writes: bool
) -> T:
    """``work(uow)`` inside one transaction, committed at the end when asked;
    the entities it reads are kept until then (read once per command).

    ``writes`` False begins a read transaction. When such a transaction must
    write after all (a first contact, say) and SQLite refuses it the write
    lock (held by another connection, or taken and released since this
    transaction read: SQLite does not wait in either case), everything is
    rolled back and ``work`` runs again from the start in a write transaction,
    which waits for the lock (busy timeout). Nothing of the first run stays.
    """
    uow = uow_factory()
    if writes:
        with uow.transaction(writes=True, keep_loaded=True):
            return work(uow)
    try:
        with uow.transaction(writes=False, keep_loaded=True):
            return work(uow)
    except OperationalError as error:
        if not is_refused_upgrade(error):
            raise
        log.info("a read transaction had to write and could not: running it again with the write lock")
    uow = uow_factory()
    with uow.transaction(writes=True, keep_loaded=True):
        return work(uow)
