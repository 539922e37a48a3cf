"""Domain events: facts that happened, written to the outbox in the same
transaction as the change they describe. notifications/ reads them back into
these classes, in order, and dispatches on their type.

Each class names itself in the outbox with ``name``, a stable string kept
apart from the Python class name, so renaming a class never orphans the rows
already written (``core.domain.event_codec`` turns events into JSON and back).
Statuses, kinds, actions and positions are the domain's enums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from core.domain.initiatives import Status
from core.domain.moderation import ModerationAction, TargetType
from core.domain.responses import Position
from core.domain.supports import SupportKind

__all__ = [
    "AppealDecided",
    "AppealFiled",
    "BadgeEarned",
    "CommentDeleted",
    "CommentEdited",
    "CommentPosted",
    "ContentFlagged",
    "ContentHidden",
    "ContentReported",
    "CounterProposed",
    "DecisionTaken",
    "DomainEvent",
    "GoalReached",
    "InitiativeEdited",
    "InitiativeProposed",
    "InitiativeStatusChanged",
    "MemberForgotten",
    "MemberSuspended",
    "MemberUnlinked",
    "MembersLinked",
    "PostEdited",
    "PostPublished",
    "ResponsePosted",
    "SupportAdded",
    "SupportWithdrawn",
    "VolunteerJoined",
    "event_classes",
]


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event; ``name`` is the outbox's stable type name."""

    name: ClassVar[str] = "event"


@dataclass(frozen=True)
class InitiativeProposed(DomainEvent):
    name: ClassVar[str] = "initiative_proposed"
    initiative_id: int
    author_id: int
    area_id: int
    topic: str


@dataclass(frozen=True)
class CounterProposed(DomainEvent):
    name: ClassVar[str] = "counter_proposed"
    initiative_id: int
    counter_to_id: int
    author_id: int


@dataclass(frozen=True)
class SupportAdded(DomainEvent):
    name: ClassVar[str] = "support_added"
    initiative_id: int
    member_id: int
    kind: SupportKind
    supporters: int


@dataclass(frozen=True)
class SupportWithdrawn(DomainEvent):
    name: ClassVar[str] = "support_withdrawn"
    initiative_id: int
    member_id: int


@dataclass(frozen=True)
class VolunteerJoined(DomainEvent):
    name: ClassVar[str] = "volunteer_joined"
    initiative_id: int
    member_id: int
    first: bool


@dataclass(frozen=True)
class GoalReached(DomainEvent):
    name: ClassVar[str] = "goal_reached"
    initiative_id: int
    area_id: int
    goal: int


@dataclass(frozen=True)
class InitiativeStatusChanged(DomainEvent):
    name: ClassVar[str] = "initiative_status_changed"
    initiative_id: int
    old: Status
    new: Status


@dataclass(frozen=True)
class PostPublished(DomainEvent):
    name: ClassVar[str] = "post_published"
    initiative_id: int
    post_id: int
    author_id: int
    #: True when the post should reach supporters: at most one notified post
    #: every ``news_interval_days`` (CONSUL), the others stay on the timeline.
    notify: bool = False


@dataclass(frozen=True)
class CommentPosted(DomainEvent):
    name: ClassVar[str] = "comment_posted"
    initiative_id: int
    comment_id: int
    author_id: int


@dataclass(frozen=True)
class ResponsePosted(DomainEvent):
    name: ClassVar[str] = "response_posted"
    initiative_id: int
    response_id: int
    official_id: int
    position: Position
    edited: bool


@dataclass(frozen=True)
class ContentReported(DomainEvent):
    name: ClassVar[str] = "content_reported"
    target_type: TargetType
    target_id: int
    reports: int


@dataclass(frozen=True)
class ContentHidden(DomainEvent):
    name: ClassVar[str] = "content_hidden"
    target_type: TargetType
    target_id: int
    review_item_id: int


@dataclass(frozen=True)
class ContentFlagged(DomainEvent):
    name: ClassVar[str] = "content_flagged"
    target_type: TargetType
    target_id: int
    review_item_id: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class DecisionTaken(DomainEvent):
    name: ClassVar[str] = "decision_taken"
    decision_id: int
    target_type: TargetType
    target_id: int
    action: ModerationAction
    #: Free text as typed, or language-neutral codes (report reasons, the cause).
    reason: str
    author_id: int | None


@dataclass(frozen=True)
class MemberSuspended(DomainEvent):
    name: ClassVar[str] = "member_suspended"
    member_id: int
    #: None: permanently.
    until: datetime | None


@dataclass(frozen=True)
class AppealFiled(DomainEvent):
    name: ClassVar[str] = "appeal_filed"
    appeal_id: int
    decision_id: int
    review_item_id: int


@dataclass(frozen=True)
class AppealDecided(DomainEvent):
    name: ClassVar[str] = "appeal_decided"
    appeal_id: int
    decision_id: int
    upheld: bool
    member_id: int


# --- authors' edits: on the timeline, nobody is notified -------------------


@dataclass(frozen=True)
class InitiativeEdited(DomainEvent):
    """Its author changed the title or description (before anyone joined)."""

    name: ClassVar[str] = "initiative_edited"
    initiative_id: int
    author_id: int


@dataclass(frozen=True)
class PostEdited(DomainEvent):
    name: ClassVar[str] = "post_edited"
    initiative_id: int
    post_id: int
    author_id: int


@dataclass(frozen=True)
class CommentEdited(DomainEvent):
    name: ClassVar[str] = "comment_edited"
    initiative_id: int
    comment_id: int
    author_id: int


@dataclass(frozen=True)
class CommentDeleted(DomainEvent):
    name: ClassVar[str] = "comment_deleted"
    initiative_id: int
    comment_id: int
    author_id: int


# --- standing out -------------------------------------------------------------


@dataclass(frozen=True)
class BadgeEarned(DomainEvent):
    """A member reached a level of a badge (core.domain.badges), once."""

    name: ClassVar[str] = "badge_earned"
    member_id: int
    badge: str
    level: int


# --- one person across platforms, and one's own data -----------------------


@dataclass(frozen=True)
class MembersLinked(DomainEvent):
    """/link merged member ``absorbed_id`` into ``member_id``: the events
    before it that name ``absorbed_id`` tell what that member did."""

    name: ClassVar[str] = "members_linked"
    member_id: int
    absorbed_id: int


@dataclass(frozen=True)
class MemberUnlinked(DomainEvent):
    """/unlink split one platform identity off ``member_id`` into ``new_member_id``."""

    name: ClassVar[str] = "member_unlinked"
    member_id: int
    new_member_id: int
    platform: str


@dataclass(frozen=True)
class MemberForgotten(DomainEvent):
    """/forget erased the member's identities and personal data."""

    name: ClassVar[str] = "member_forgotten"
    member_id: int


def event_classes() -> tuple[type[DomainEvent], ...]:
    """Every concrete event class, in the order they are defined here."""
    return tuple(
        cls
        for cls in globals().values()
        if isinstance(cls, type) and issubclass(cls, DomainEvent) and cls is not DomainEvent
    )
