"""The delivery ledger: writing deliveries, what a sender drains, claiming
them, and recording what became of each.

Infrastructure, not use cases: it lives in core.storage, beside the unit of
work it runs in. The services that write deliveries (digests, notices, the
outbox's routing) call it; notifications reaches it through
``core.services.deliveries`` (it goes through core.services only), which also
holds what people do with the ledger: an admin's view and retries, a member
coming back.

Every write that creates deliveries ignores duplicates on the unique key, so
whatever produced them (an outbox event, a digest) can run again after a
crash and adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.config import Settings
from core.domain.deliveries import (
    DeliveryDraft,
    DeliveryKind,
    DeliveryState,
    Outcome,
    backoff_seconds,
    next_state,
)
from core.errors import NotFound
from core.storage import tables

if TYPE_CHECKING:
    from core.storage.uow import UnitOfWork

__all__ = [
    "COLUMNS",
    "DeliveryView",
    "DueDelivery",
    "PendingSummary",
    "claim",
    "defer",
    "due",
    "get_delivery",
    "insert_drafts",
    "insert_ignoring_duplicates",
    "live_posts",
    "live_topic",
    "load",
    "pending_summary",
    "reclaim",
    "record_outcome",
    "review_cards",
    "skip",
    "view_of",
]

_INSERT_CHUNK = 500
_d = tables.deliveries.c


# --- writing without duplicates ---------------------------------------------


def insert_ignoring_duplicates(
    uow: UnitOfWork, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> None:
    """Inside an open unit of work: INSERT ... ON CONFLICT DO NOTHING on the
    unique ``conflict`` columns (SQLite and PostgreSQL), in chunks."""
    if not rows:
        return
    dialect = uow.session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    else:  # pragma: no cover - the two supported databases are above
        raise RuntimeError(f"no duplicate-ignoring insert for {dialect}")
    for start in range(0, len(rows), _INSERT_CHUNK):
        uow.session.execute(stmt, list(rows[start : start + _INSERT_CHUNK]))


def _draft_row(draft: DeliveryDraft, now: datetime) -> dict[str, Any]:
    return {
        "key": draft.key,
        "platform": draft.platform,
        "address": draft.address,
        "is_group": draft.is_group,
        "member_id": draft.member_id,
        "kind": draft.kind,
        "topic": draft.topic,
        "payload": draft.payload,
        "language": draft.language,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "uncertain": 0,
        "not_before": draft.not_before,
        "created_at": now,
    }


def insert_drafts(uow: UnitOfWork, drafts: Iterable[DeliveryDraft]) -> None:
    """Inside an open unit of work: write deliveries, ignoring keys that exist."""
    now = uow.now()
    # Sorted keys: two transactions inserting the same rows lock them in the
    # same order and never deadlock.
    rows = sorted((_draft_row(d, now) for d in drafts), key=lambda r: str(r["key"]))
    insert_ignoring_duplicates(uow, tables.deliveries, rows, ["key"])


# --- what a sender drains ----------------------------------------------------


@dataclass(frozen=True)
class DeliveryView:
    id: int
    key: str
    platform: str
    address: str
    is_group: bool
    member_id: int | None
    kind: str
    topic: str
    payload: dict[str, Any]
    language: str
    state: str
    attempts: int
    uncertain: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    message_ref: str | None


def view_of(row: Any) -> DeliveryView:
    """A row selected with ``COLUMNS``, as a DeliveryView."""
    return DeliveryView(
        id=int(row.id),
        key=str(row.key),
        platform=str(row.platform),
        address=str(row.address),
        is_group=bool(row.is_group),
        member_id=row.member_id,
        kind=str(row.kind),
        topic=str(row.topic),
        payload=dict(row.payload),
        language=str(row.language),
        state=str(row.state),
        attempts=int(row.attempts),
        uncertain=int(row.uncertain),
        not_before=row.not_before,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        message_ref=row.message_ref,
    )


#: The columns ``view_of`` reads.
COLUMNS = (
    _d.id,
    _d.key,
    _d.platform,
    _d.address,
    _d.is_group,
    _d.member_id,
    _d.kind,
    _d.topic,
    _d.payload,
    _d.language,
    _d.state,
    _d.attempts,
    _d.uncertain,
    _d.not_before,
    _d.created_at,
    _d.sent_at,
    _d.last_error,
    _d.message_ref,
)


def load(uow: UnitOfWork, delivery_id: int) -> DeliveryView:
    """Inside an open unit of work: one delivery (NotFound when there is none)."""
    row = uow.session.execute(select(*COLUMNS).where(_d.id == delivery_id)).first()
    if row is None:
        raise NotFound("error.notifications_delivery_not_found", id=delivery_id)
    return view_of(row)


def _still_there(uow: UnitOfWork, delivery_id: int) -> DeliveryView | None:
    """Inside an open unit of work: a delivery being sent, or None when it was
    erased meanwhile with its member (/forget): there is nothing left to record."""
    row = uow.session.execute(select(*COLUMNS).where(_d.id == delivery_id)).first()
    return None if row is None else view_of(row)


def get_delivery(uow: UnitOfWork, delivery_id: int) -> DeliveryView:
    with uow:
        return load(uow, delivery_id)


@dataclass(frozen=True)
class DueDelivery:
    """A delivery a sender may claim now: enough to pace it."""

    id: int
    address: str
    is_group: bool
    not_before: datetime


def due(uow: UnitOfWork, platform: str, limit: int = 200, per_chat: int = 2) -> list[DueDelivery]:
    """Pending deliveries of ``platform`` due now, oldest first, at most
    ``per_chat`` per chat: one busy chat never fills the list, so a sender
    always has other chats to go to while it waits."""
    with uow:
        now = uow.now()
        oldest = (
            select(_d.id, _d.address, _d.is_group, _d.not_before)
            .where(
                _d.platform == platform,
                _d.state == DeliveryState.PENDING.value,
                _d.not_before <= now,
            )
            .order_by(_d.not_before, _d.id)
            .limit(limit * 10)
            .subquery("oldest")
        )
        o = oldest.c
        ranked = select(
            o.id,
            o.address,
            o.is_group,
            o.not_before,
            func.row_number().over(partition_by=o.address, order_by=(o.not_before, o.id)).label("rank"),
        ).subquery("ranked")
        r = ranked.c
        rows = uow.session.execute(
            select(r.id, r.address, r.is_group, r.not_before)
            .where(r.rank <= per_chat)
            .order_by(r.not_before, r.id)
            .limit(limit)
        ).all()
    return [DueDelivery(int(x.id), str(x.address), bool(x.is_group), x.not_before) for x in rows]


@dataclass(frozen=True)
class PendingSummary:
    """How much is left for some platforms."""

    pending: int
    sending: int
    due_now: int
    next_at: datetime | None


def pending_summary(uow: UnitOfWork, platforms: Sequence[str]) -> PendingSummary:
    with uow:
        now = uow.now()
        rows = uow.session.execute(
            select(_d.state, func.count(), func.min(_d.not_before))
            .where(
                _d.platform.in_(list(platforms)),
                _d.state.in_([DeliveryState.PENDING.value, DeliveryState.SENDING.value]),
            )
            .group_by(_d.state)
        ).all()
        due_now = int(
            uow.session.scalar(
                select(func.count()).where(
                    _d.platform.in_(list(platforms)),
                    _d.state == DeliveryState.PENDING.value,
                    _d.not_before <= now,
                )
            )
            or 0
        )
    counts = {str(state): (int(n), first) for state, n, first in rows}
    pending, next_at = counts.get(DeliveryState.PENDING.value, (0, None))
    return PendingSummary(pending, counts.get(DeliveryState.SENDING.value, (0, None))[0], due_now, next_at)


def claim(uow: UnitOfWork, delivery_id: int) -> DeliveryView | None:
    """Take a due delivery for sending (state "sending", one more attempt,
    claimed now); None when it is no longer pending and due."""
    with uow:
        now = uow.now()
        result = uow.session.execute(
            update(tables.deliveries)
            .where(
                _d.id == delivery_id,
                _d.state == DeliveryState.PENDING.value,
                _d.not_before <= now,
            )
            .values(state=DeliveryState.SENDING.value, claimed_at=now, attempts=_d.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            uow.rollback()
            return None
        view = load(uow, delivery_id)
        uow.commit()
        return view


def _backoff(settings: Settings, attempts: int, jitter: float) -> float:
    n = settings.notifications
    return backoff_seconds(max(1, attempts), n.backoff_base_seconds, n.backoff_cap_seconds, jitter)


def _apply(
    uow: UnitOfWork,
    view: DeliveryView,
    outcome: Outcome,
    settings: Settings,
    jitter: float,
    *,
    ref: str | None = None,
    retry_after: float | None = None,
    error: str | None = None,
) -> DeliveryState:
    """Inside an open unit of work: move one delivery after an outcome."""
    now = uow.now()
    step = next_state(
        outcome,
        attempts=view.attempts,
        uncertain=view.uncertain,
        max_attempts=settings.notifications.max_attempts,
        backoff=_backoff(settings, view.attempts, jitter),
        retry_after=retry_after,
        error=error,
    )
    values: dict[str, Any] = {
        "state": step.state.value,
        "attempts": step.attempts,
        "uncertain": step.uncertain,
        "claimed_at": None,
    }
    if step.error is not None:
        values["last_error"] = step.error[:2000]
    if step.state is DeliveryState.PENDING:
        values["not_before"] = now + timedelta(seconds=step.wait)
    if step.state is DeliveryState.SENT:
        values["sent_at"] = now
        values["message_ref"] = ref
    uow.session.execute(
        update(tables.deliveries)
        .where(_d.id == view.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if step.state is DeliveryState.UNREACHABLE:
        _unreachable(uow, view)
    return step.state


def _unreachable(uow: UnitOfWork, view: DeliveryView) -> None:
    """The recipient blocked the bot or the chat is gone: mark the identity
    (routing skips it until the member writes again, which clears the flag)
    and end what was still waiting for that chat."""
    if not view.is_group:
        i = tables.identities.c
        uow.session.execute(
            update(tables.identities)
            .where(i.platform == view.platform, i.external_id == view.address)
            .values(unreachable=True)
            .execution_options(synchronize_session=False)
        )
    uow.session.execute(
        update(tables.deliveries)
        .where(
            _d.platform == view.platform,
            _d.address == view.address,
            _d.state == DeliveryState.PENDING.value,
        )
        .values(state=DeliveryState.UNREACHABLE.value, last_error="recipient unreachable")
        .execution_options(synchronize_session=False)
    )


def record_outcome(
    uow: UnitOfWork,
    delivery_id: int,
    outcome: str,
    settings: Settings,
    *,
    ref: str | None = None,
    retry_after: float | None = None,
    error: str | None = None,
    jitter: float = 0.5,
) -> DeliveryState:
    """Record what became of a send (an ``Outcome`` value). A late "sent" is
    always recorded, even for a delivery reclaimed meanwhile, so it is not
    sent again; other late outcomes of a delivery no longer "sending" are
    ignored, and so is any outcome of a delivery erased meanwhile with its
    member (``SKIPPED``). Returns the delivery's state afterwards."""
    kind = Outcome(outcome)
    with uow:
        view = _still_there(uow, delivery_id)
        if view is None:
            return DeliveryState.SKIPPED
        state = DeliveryState(view.state)
        if state is not DeliveryState.SENDING and not (
            kind is Outcome.SENT and state is not DeliveryState.SENT
        ):
            return state
        state = _apply(uow, view, kind, settings, jitter, ref=ref, retry_after=retry_after, error=error)
        uow.commit()
        return state


def defer(uow: UnitOfWork, delivery_id: int, seconds: float, reason: str) -> None:
    """Put a claimed delivery back to wait, its attempt given back (what it
    depends on is not there yet: the card an edit changes is not sent)."""
    with uow:
        view = _still_there(uow, delivery_id)
        if view is None or view.state != DeliveryState.SENDING.value:
            return
        uow.session.execute(
            update(tables.deliveries)
            .where(_d.id == delivery_id)
            .values(
                state=DeliveryState.PENDING.value,
                attempts=max(0, view.attempts - 1),
                not_before=uow.now() + timedelta(seconds=seconds),
                claimed_at=None,
                last_error=reason,
            )
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def skip(uow: UnitOfWork, delivery_id: int, reason: str) -> None:
    """End a claimed delivery with nothing to send (never an empty message)."""
    with uow:
        uow.session.execute(
            update(tables.deliveries)
            .where(_d.id == delivery_id, _d.state == DeliveryState.SENDING.value)
            .values(state=DeliveryState.SKIPPED.value, claimed_at=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def reclaim(
    uow: UnitOfWork,
    platform: str,
    settings: Settings,
    *,
    older_than: timedelta | None = None,
    jitter: float = 0.5,
) -> int:
    """Deliveries left "sending" by a process that stopped: all of the
    platform's when a sender starts (one sender runs per bot token), or
    those claimed longer than ``older_than`` ago. The platform may have
    them: each counts as an unknown outcome (retried once, never twice)."""
    with uow:
        stmt = select(*COLUMNS).where(_d.platform == platform, _d.state == DeliveryState.SENDING.value)
        if older_than is not None:
            stmt = stmt.where(_d.claimed_at <= uow.now() - older_than)
        stale = [view_of(row) for row in uow.session.execute(stmt.order_by(_d.id))]
        for view in stale:
            _apply(
                uow,
                view,
                Outcome.UNCERTAIN,
                settings,
                jitter,
                error="the sending process stopped before it knew whether the platform had it",
            )
        uow.commit()
    return len(stale)


def live_posts(uow: UnitOfWork, initiative_id: int) -> list[DeliveryView]:
    """Inside an open unit of work: the posts of an initiative's live card in
    the initiatives' channels, sent or still on their way (an edit follows
    each when the initiative changes)."""
    rows = uow.session.execute(
        select(*COLUMNS)
        .where(
            _d.kind == DeliveryKind.LIVE.value,
            _d.topic == live_topic(initiative_id),
            _d.state.in_(
                [DeliveryState.PENDING.value, DeliveryState.SENDING.value, DeliveryState.SENT.value]
            ),
        )
        .order_by(_d.id)
    )
    return [view_of(row) for row in rows]


def live_topic(initiative_id: int) -> str:
    """The topic of the post of an initiative's live card (its edits have another)."""
    return f"live:{initiative_id}"


def review_cards(uow: UnitOfWork, item_ids: Sequence[int]) -> list[DeliveryView]:
    """Inside an open unit of work: review cards of these items that are
    sent or still on their way (an edit must follow each)."""
    if not item_ids:
        return []
    rows = uow.session.execute(
        select(*COLUMNS)
        .where(
            _d.kind == DeliveryKind.REVIEW.value,
            _d.topic.in_([f"review:{item}" for item in item_ids]),
            _d.state.in_(
                [DeliveryState.PENDING.value, DeliveryState.SENDING.value, DeliveryState.SENT.value]
            ),
        )
        .order_by(_d.id)
    )
    return [view_of(row) for row in rows]
