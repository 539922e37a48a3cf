"""Per-member daily limits."""

from __future__ import annotations

from enum import StrEnum

from core.errors import LimitReached

__all__ = ["Limited", "ensure_within_limit"]


class Limited(StrEnum):
    PROPOSALS = "proposals"
    COMMENTS = "comments"
    REPORTS = "reports"
    POSTS = "posts"


def ensure_within_limit(kind: Limited, done_last_day: int, limit: int) -> None:
    """Raise LimitReached when ``done_last_day`` already uses the whole limit."""
    if done_last_day >= limit:
        raise LimitReached(kind=kind.value, limit=limit)
