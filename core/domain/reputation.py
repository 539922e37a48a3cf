"""Points and the participation ladder: what moves initiatives forward stands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["POINTS", "Ladder", "PointEntry", "PointReason", "ladder_rung"]


class PointReason(StrEnum):
    PROPOSED = "proposed"
    SUPPORT_RECEIVED = "support_received"
    VOLUNTEERED = "volunteered"
    OFFICIAL_RESPONSE = "official_response"
    GOAL_REACHED = "goal_reached"
    ACHIEVED = "achieved"
    REPORT_UPHELD = "report_upheld"
    CONTENT_REMOVED = "content_removed"


POINTS: dict[PointReason, int] = {
    PointReason.PROPOSED: 5,
    PointReason.SUPPORT_RECEIVED: 1,
    PointReason.VOLUNTEERED: 3,
    PointReason.OFFICIAL_RESPONSE: 10,
    PointReason.GOAL_REACHED: 20,
    PointReason.ACHIEVED: 50,
    PointReason.REPORT_UPHELD: 2,
    PointReason.CONTENT_REMOVED: -15,
}


@dataclass(eq=False)
class PointEntry:
    """One line of the points ledger; leaderboards sum it by area and period."""

    member_id: int
    area_id: int
    reason: str
    points: int
    created_at: datetime
    ref: str = ""
    id: int | None = None


class Ladder(StrEnum):
    CREATOR = "creator"
    CRITIC = "critic"
    JOINER = "joiner"
    SPECTATOR = "spectator"
    INACTIVE = "inactive"


def ladder_rung(*, created: int, criticised: int, joined: int, follows: int) -> Ladder:
    """The participation ladder over the last 90 days, highest rung first."""
    if created:
        return Ladder.CREATOR
    if criticised:
        return Ladder.CRITIC
    if joined:
        return Ladder.JOINER
    if follows:
        return Ladder.SPECTATOR
    return Ladder.INACTIVE
