"""The Sender port: what a front end implements so notifications can reach
people on its platform. The dispatcher paces calls within ``limits`` and
decides retries from the Outcome; a sender only translates one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from core.presentation.cards import Card

__all__ = [
    "Outcome",
    "OutcomeKind",
    "Outgoing",
    "PaceLimits",
    "Sender",
]


@dataclass(frozen=True)
class PaceLimits:
    """How fast one sender (one bot token) may go. Telegram: 30 messages/s
    overall, 1/s per private chat, 20/min per group (Bot API FAQ)."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: float = 20.0


@dataclass(frozen=True)
class Outgoing:
    """One message to send: where, what, and — to edit a message sent
    before (a review card after a decision) — its platform reference."""

    delivery_id: int
    address: str
    cards: tuple[Card, ...]
    is_group: bool = False
    edit_ref: str | None = None
    #: Labels a platform may show beside the message (a Discord forum post's
    #: tags: an initiative's stage); others ignore them.
    tags: tuple[str, ...] = ()


class OutcomeKind:
    SENT = "sent"  # accepted; ``ref`` is the platform's message id
    RETRY_AFTER = "retry_after"  # the platform said wait ``retry_after`` seconds (429)
    TRANSIENT = "transient"  # 5xx, network error before the platform had it: retry with backoff
    UNCERTAIN = "uncertain"  # timeout after the request may have been accepted
    UNREACHABLE = "unreachable"  # blocked by the user, chat gone: stop until they write again
    REJECTED = "rejected"  # the platform refused this message for good (400)


@dataclass(frozen=True)
class Outcome:
    kind: str
    ref: str | None = None
    retry_after: float | None = None
    error: str | None = None


@runtime_checkable
class Sender(Protocol):
    """One per bot token (the platform's cap is per token)."""

    platform: str
    limits: PaceLimits

    async def send(self, message: Outgoing) -> Outcome:
        """Send (or edit) one message; never raise for platform errors."""
        ...
