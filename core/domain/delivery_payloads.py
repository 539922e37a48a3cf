"""What each kind of delivery carries, typed: the ledger stores it as JSON
(``core.domain.event_codec``), the producers write it with ``encode`` and
the renderer reads it back with ``decode``, never as a dict of strings.

An alert (and an official's alert) carries the event it tells of; a review
card, its review item; an edit, the card it changes and the decision it
shows; a live card, its initiative (and the post it edits); a recall, the
items it lists; an official's summary, how many initiatives await them; a
digest, its member and period. Each is read again when the message goes, so
it says how things stand then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.domain import event_codec
from core.domain.deliveries import DeliveryKind
from core.domain.event_codec import Unreadable
from core.domain.events import DomainEvent

__all__ = [
    "Alert",
    "CardEdit",
    "DeliveryPayload",
    "Digest",
    "LiveCard",
    "Recall",
    "ReviewCard",
    "Summary",
    "decode",
    "encode",
]


@dataclass(frozen=True)
class Alert:
    """An instant alert (ALERT, OFFICIAL): the event it tells of."""

    event: DomainEvent | Unreadable


@dataclass(frozen=True)
class ReviewCard:
    """A review item's card for the moderators (REVIEW)."""

    item_id: int


@dataclass(frozen=True)
class CardEdit:
    """A review card sent before (the delivery ``of``), edited to show the
    decision that closed its item (EDIT)."""

    of: int
    item_id: int
    decision_id: int


@dataclass(frozen=True)
class LiveCard:
    """An initiative's card in an initiatives' channel (LIVE): posted when
    ``of`` is None, else the post (the delivery ``of``) edited to show how
    the initiative stands now."""

    initiative_id: int
    of: int | None = None


@dataclass(frozen=True)
class Recall:
    """Review items still waiting, for the moderators (RECALL)."""

    items: tuple[int, ...]


@dataclass(frozen=True)
class Summary:
    """What awaits an official's response, weekly (SUMMARY)."""

    count: int


@dataclass(frozen=True)
class Digest:
    """A member's digest of a period ("d2026-11-25", "w2026-W48") (DIGEST)."""

    member_id: int
    period: str


DeliveryPayload = Alert | ReviewCard | CardEdit | LiveCard | Recall | Summary | Digest

_RECORDS: dict[DeliveryKind, type[ReviewCard | CardEdit | LiveCard | Recall | Summary | Digest]] = {
    DeliveryKind.REVIEW: ReviewCard,
    DeliveryKind.EDIT: CardEdit,
    DeliveryKind.LIVE: LiveCard,
    DeliveryKind.RECALL: Recall,
    DeliveryKind.SUMMARY: Summary,
    DeliveryKind.DIGEST: Digest,
}


def encode(payload: DeliveryPayload) -> dict[str, Any]:
    """The JSON a delivery stores for this payload."""
    if isinstance(payload, Alert):
        if isinstance(payload.event, Unreadable):
            raise ValueError("an alert tells of an event that reads")
        return event_codec.as_named(payload.event)
    return event_codec.encode(payload)


def decode(kind: DeliveryKind, data: dict[str, Any]) -> DeliveryPayload:
    """The payload of a delivery of this kind (ValueError or TypeError when
    the JSON does not fit it; an alert whose event does not read carries
    ``Unreadable``)."""
    record = _RECORDS.get(kind)
    if record is None:  # ALERT, OFFICIAL
        return Alert(event_codec.read_named(data))
    return event_codec.decode(record, data)
