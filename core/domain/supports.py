"""Supports (the petition signature), volunteering and follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Follow", "FollowTarget", "Support", "SupportKind"]


class SupportKind(StrEnum):
    SUPPORTER = "supporter"
    VOLUNTEER = "volunteer"


@dataclass(eq=False)
class Support:
    """One per member per initiative (a unique constraint makes it so).
    A volunteer counts as a supporter too."""

    initiative_id: int
    member_id: int
    kind: SupportKind
    created_at: datetime
    id: int | None = None


class FollowTarget(StrEnum):
    INITIATIVE = "initiative"
    AREA = "area"
    TOPIC = "topic"


@dataclass(eq=False)
class Follow:
    member_id: int
    target_type: FollowTarget
    target_key: str
    created_at: datetime
    id: int | None = None
