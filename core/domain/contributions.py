"""What people write on an initiative's timeline: news posts and comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.initiatives import Visibility

__all__ = ["COMMENT_MAX", "POST_MAX", "Comment", "Post"]

POST_MAX = 2000
COMMENT_MAX = 1000


@dataclass(eq=False)
class Post:
    """News on the timeline, by the author or a volunteer."""

    initiative_id: int
    author_id: int
    body: str
    created_at: datetime
    visibility: Visibility = Visibility.VISIBLE
    flagged: bool = False
    id: int | None = None


@dataclass(eq=False)
class Comment:
    initiative_id: int
    author_id: int
    body: str
    created_at: datetime
    visibility: Visibility = Visibility.VISIBLE
    flagged: bool = False
    id: int | None = None
