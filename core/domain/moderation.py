"""Moderation after publication: reports, the review queue, decisions, appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.errors import Forbidden, InvalidInput

__all__ = [
    "NOTE_MAX",
    "Appeal",
    "Decision",
    "ModerationAction",
    "Report",
    "ReportReason",
    "ReviewCause",
    "ReviewItem",
    "TargetType",
    "ensure_may_decide",
    "suspension_end",
]

NOTE_MAX = 500


class TargetType(StrEnum):
    INITIATIVE = "initiative"
    POST = "post"
    COMMENT = "comment"
    RESPONSE = "response"
    MEMBER = "member"


class ReportReason(StrEnum):
    HATE = "hate"  # racism, xenophobia, antisemitism, nazism
    HARASSMENT = "harassment"  # harassment or personal attack
    SPAM = "spam"
    ILLEGAL = "illegal"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class ModerationAction(StrEnum):
    DISMISS = "dismiss"
    HIDE = "hide"
    REMOVE = "remove"
    WARN = "warn"
    SUSPEND = "suspend"

    @property
    def upholds(self) -> bool:
        """True when the decision agrees the content was a problem."""
        return self is not ModerationAction.DISMISS


class ReviewCause(StrEnum):
    REPORTS = "reports"
    SCREENING = "screening"
    APPEAL = "appeal"


@dataclass(eq=False)
class Report:
    target_type: str
    target_id: int
    reporter_id: int
    reason: str
    created_at: datetime
    note: str | None = None
    id: int | None = None


@dataclass(eq=False)
class ReviewItem:
    """One entry of the moderators' queue; at most one open per target and cause."""

    target_type: str
    target_id: int
    cause: str
    opened_at: datetime
    closed_at: datetime | None = None
    decision_id: int | None = None
    appeal_id: int | None = None
    recalled_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(eq=False)
class Decision:
    """A line of the public moderation log (it never says who reported)."""

    target_type: str
    target_id: int
    moderator_id: int
    action: str
    reason: str
    created_at: datetime
    target_author_id: int | None = None
    suspension_days: int | None = None
    appeal_of_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class Appeal:
    decision_id: int
    member_id: int
    text: str
    created_at: datetime
    outcome_decision_id: int | None = None
    id: int | None = None


def ensure_may_decide(
    moderator_id: int,
    target_author_id: int | None,
    original_moderator_id: int | None = None,
) -> None:
    """Never on one's own content; an appeal goes to a different moderator."""
    if target_author_id is not None and moderator_id == target_author_id:
        raise Forbidden("error.own_content")
    if original_moderator_id is not None and moderator_id == original_moderator_id:
        raise Forbidden("error.appeal_same_moderator")


def suspension_end(now: datetime, days: int | None, allowed: list[int]) -> datetime | None:
    """When a suspension of ``days`` ends; None means permanent (days=0 or None)."""
    if not days:
        return None
    if days not in allowed:
        raise InvalidInput("error.suspension_days", choices=", ".join(map(str, allowed)))
    return now + timedelta(days=days)
