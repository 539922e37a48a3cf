"""Initiatives and their lifecycle.

open -> goal_reached -> answered -> in_action -> achieved, or withdrawn (by its
author), closed (by a moderator), expired (open too long without its goal).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain.members import Role, has_role
from core.domain.text import clean_text, fold
from core.errors import Forbidden, InvalidInput, InvalidState, NotFound

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "TITLE_MAX",
    "TITLE_MIN",
    "Initiative",
    "Status",
    "Visibility",
    "initiative_description",
    "initiative_title",
]

#: Decidim asks 15 characters for a title: "Trees" says too little to join.
TITLE_MIN = 15
TITLE_MAX = 120
DESCRIPTION_MIN = 30
DESCRIPTION_MAX = 2000


#: clean_text's own bound is left open: ``_within`` says both bounds at once.
_UNBOUNDED = 1 << 62


def _within(text: str, field: str, minimum: int, maximum: int) -> str:
    if not minimum <= len(text) <= maximum:
        raise InvalidInput(
            "error.text_length", field=field, length=len(text), count=len(text), min=minimum, max=maximum
        )
    return text


def initiative_title(value: str) -> str:
    """The title as stored, or InvalidInput saying its length and the bounds.
    The one rule of /propose, /counter and /edit."""
    text = clean_text(value, field="title", max_length=_UNBOUNDED)
    return _within(text, "title", TITLE_MIN, TITLE_MAX)


def initiative_description(value: str) -> str:
    """The description as stored (several lines), or InvalidInput saying its
    length and the bounds."""
    text = clean_text(value, field="description", max_length=_UNBOUNDED, multiline=True)
    return _within(text, "description", DESCRIPTION_MIN, DESCRIPTION_MAX)


class Status(StrEnum):
    OPEN = "open"
    GOAL_REACHED = "goal_reached"
    ANSWERED = "answered"
    IN_ACTION = "in_action"
    ACHIEVED = "achieved"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    EXPIRED = "expired"

    @property
    def accepts_support(self) -> bool:
        return self in _SUPPORTABLE

    @property
    def is_final(self) -> bool:
        return self in (Status.ACHIEVED, Status.WITHDRAWN, Status.CLOSED, Status.EXPIRED)


_SUPPORTABLE = (Status.OPEN, Status.GOAL_REACHED, Status.ANSWERED, Status.IN_ACTION)

#: Moves a person may ask for (the others happen by themselves).
_PROGRESS = {
    Status.IN_ACTION: (Status.GOAL_REACHED, Status.ANSWERED, Status.OPEN),
    Status.ACHIEVED: (Status.IN_ACTION, Status.ANSWERED, Status.GOAL_REACHED),
}


class Visibility(StrEnum):
    """What moderation did to a piece of content."""

    VISIBLE = "visible"
    HIDDEN = "hidden"  # pending review, or hidden by a decision
    REMOVED = "removed"  # a tombstone stays
    DELETED = "deleted"  # by its author (comments): a tombstone stays, the text is gone

    @property
    def listed(self) -> bool:
        return self is Visibility.VISIBLE


@dataclass(eq=False)
class Initiative:
    author_id: int
    title: str
    description: str
    area_id: int
    topic: str
    goal: int
    created_at: datetime
    expires_at: datetime
    status: Status = Status.OPEN
    status_changed_at: datetime | None = None
    goal_reached_at: datetime | None = None
    counter_to_id: int | None = None
    visibility: Visibility = Visibility.VISIBLE
    flagged: bool = False
    search_key: str = ""
    last_news_at: datetime | None = None
    id: int | None = None

    @property
    def state(self) -> Status:
        return Status(self.status)

    def _move(self, new: Status, now: datetime) -> tuple[Status, Status]:
        old = self.status
        self.status = new
        self.status_changed_at = now
        return old, new

    def ensure_open_to_support(self) -> None:
        if not self.state.accepts_support:
            raise InvalidState("error.initiative_not_open", status=self.status)

    def ensure_visible(self) -> None:
        """The rule for acting on it (supporting, answering, writing, moving
        it on): only while it is visible. A hidden or removed initiative is
        before the moderators or gone, so nothing new happens to it."""
        if self.visibility == Visibility.REMOVED:
            raise InvalidState("error.content_removed")
        if self.visibility != Visibility.VISIBLE:
            raise InvalidState("error.content_hidden")

    def readable_by(self, viewer_id: int | None, roles: Collection[str]) -> bool:
        """Who may see it: everyone while it is visible; once hidden, its
        author and the moderators (admins included); once removed, nobody
        (a tombstone answers)."""
        if self.visibility == Visibility.VISIBLE:
            return True
        if self.visibility == Visibility.REMOVED:
            return False
        return viewer_id == self.author_id or has_role(roles, Role.MODERATOR)

    def ensure_readable_by(self, viewer_id: int | None, roles: Collection[str]) -> None:
        """``readable_by`` or NotFound, which says it is hidden or removed."""
        if not self.readable_by(viewer_id, roles):
            removed = self.visibility == Visibility.REMOVED
            raise NotFound("error.initiative_removed" if removed else "error.initiative_hidden", id=self.id)

    def ensure_editable_by(self, member_id: int, other_supporters: int) -> None:
        """Its author may change the title and description while it is
        visible, not final, and nobody but the author has joined it: people
        who joined must find what they joined."""
        if member_id != self.author_id:
            raise Forbidden("error.not_author")
        self.ensure_visible()
        if self.state.is_final:
            raise InvalidState("error.initiative_final", status=self.status)
        if other_supporters:
            raise InvalidState("error.edit_initiative_supported", id=self.id, count=other_supporters)

    def editable(self, other_supporters: int) -> bool:
        """``ensure_editable_by`` its author, as a yes or no (the Edit button)."""
        try:
            self.ensure_editable_by(self.author_id, other_supporters)
        except (Forbidden, InvalidState):
            return False
        return True

    def revise(self, member_id: int, title: str, description: str, other_supporters: int) -> None:
        """The author's edit (``ensure_editable_by``)."""
        self.ensure_editable_by(member_id, other_supporters)
        self.title = title
        self.description = description
        self.search_key = fold(f"{title} {description}")

    def record_supporters(self, supporters: int, now: datetime) -> bool:
        """Note the new number of supporters; True when this reaches the goal."""
        if self.state is Status.OPEN and supporters >= self.goal:
            self._move(Status.GOAL_REACHED, now)
            self.goal_reached_at = now
            return True
        return False

    def record_response(self, now: datetime) -> tuple[Status, Status] | None:
        """A first official response moves an open or successful initiative to answered."""
        if self.state in (Status.OPEN, Status.GOAL_REACHED):
            return self._move(Status.ANSWERED, now)
        return None

    def ensure_withdrawable_by(self, member_id: int) -> None:
        """Only its author withdraws it, and only while it is not over."""
        if member_id != self.author_id:
            raise Forbidden("error.not_author")
        if self.state.is_final:
            raise InvalidState("error.initiative_final", status=self.status)

    def withdraw(self, member_id: int, now: datetime) -> tuple[Status, Status]:
        self.ensure_withdrawable_by(member_id)
        return self._move(Status.WITHDRAWN, now)

    def ensure_counterable_by(self, member_id: int) -> None:
        """A counter-proposal answers an initiative that still gathers
        support (the card offers Counter only then), never one's own."""
        if not self.state.accepts_support:
            raise InvalidState("error.initiative_not_counterable", status=self.status)
        if member_id == self.author_id:
            raise InvalidState("error.own_counter", id=self.id)

    def close(self, now: datetime) -> tuple[Status, Status]:
        if self.state.is_final:
            raise InvalidState("error.initiative_final", status=self.status)
        return self._move(Status.CLOSED, now)

    def progress(self, new: Status, now: datetime) -> tuple[Status, Status]:
        """The author or an official says the initiative is in action, or achieved."""
        allowed_from = _PROGRESS.get(new)
        if allowed_from is None or self.state not in allowed_from:
            raise InvalidState("error.bad_transition", status=self.status, new=new.value)
        return self._move(new, now)

    def expire_if_due(self, now: datetime) -> tuple[Status, Status] | None:
        if self.state is Status.OPEN and now >= self.expires_at:
            return self._move(Status.EXPIRED, now)
        return None

    def awaiting_response_days(self, now: datetime) -> int | None:
        """Days since the goal was reached while no official has answered."""
        if self.state is Status.GOAL_REACHED and self.goal_reached_at is not None:
            return max(0, (now - self.goal_reached_at) // timedelta(days=1))
        return None

    def may_post_news(self, now: datetime, interval: timedelta) -> bool:
        """CONSUL: author news reaches supporters at most every few days."""
        return self.last_news_at is None or now - self.last_news_at >= interval
