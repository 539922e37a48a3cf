"""What people write on an initiative's timeline: news posts and comments.

Their authors may edit them at any time while they are visible; each former
version is kept as a public revision. A comment may be deleted by its author:
a tombstone stays, its text and its revisions go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from core.domain.initiatives import Visibility
from core.domain.moderation import TargetType
from core.errors import Forbidden, InvalidState

__all__ = ["COMMENT_MAX", "POST_MAX", "Comment", "Post", "Revision", "Writing"]

POST_MAX = 2000
COMMENT_MAX = 1000


@dataclass(eq=False)
class Revision:
    """A former version of a post or comment, kept when its author edits it."""

    target_type: TargetType
    target_id: int
    body: str
    #: When this version was written (published, or edited into it).
    created_at: datetime
    id: int | None = None


@dataclass(eq=False)
class Writing:
    """What a member wrote on a timeline (a post or a comment)."""

    initiative_id: int
    author_id: int
    body: str
    created_at: datetime
    visibility: Visibility = Visibility.VISIBLE
    flagged: bool = False
    edited_at: datetime | None = None
    id: int | None = None

    #: The moderation target type of this kind of writing.
    target_type: ClassVar[TargetType] = TargetType.POST

    def ensure_changeable_by(self, member_id: int) -> None:
        """Only its author changes it, and only while it is visible: hidden
        content is before the moderators, removed or deleted content is gone."""
        if member_id != self.author_id:
            raise Forbidden("error.edit_not_yours")
        if self.visibility == Visibility.DELETED:
            raise InvalidState("error.comment_deleted", id=self.id)
        if self.visibility == Visibility.REMOVED:
            raise InvalidState("error.content_removed")
        if self.visibility != Visibility.VISIBLE:
            raise InvalidState("error.content_hidden")

    def revise(self, member_id: int, body: str, now: datetime) -> Revision:
        """Replace the text; returns the former version to keep."""
        self.ensure_changeable_by(member_id)
        assert self.id is not None
        former = Revision(self.target_type, self.id, self.body, self.edited_at or self.created_at)
        self.body = body
        self.edited_at = now
        return former

    @property
    def version_at(self) -> datetime:
        """When the current text was written."""
        return self.edited_at or self.created_at


@dataclass(eq=False)
class Post(Writing):
    """News on the timeline, by the author or a volunteer."""

    target_type: ClassVar[TargetType] = TargetType.POST


@dataclass(eq=False)
class Comment(Writing):
    target_type: ClassVar[TargetType] = TargetType.COMMENT

    def delete(self, member_id: int, now: datetime) -> None:
        """Its author deletes it: a tombstone stays, the text goes."""
        self.ensure_changeable_by(member_id)
        self.visibility = Visibility.DELETED
        self.body = ""
        self.edited_at = now
