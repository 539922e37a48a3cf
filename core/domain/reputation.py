"""Points and the participation ladder: what moves initiatives forward stands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "POINTS",
    "Ladder",
    "PointEntry",
    "PointReason",
    "achievement_earns",
    "decision_ref",
    "initiative_ref",
    "ladder_rung",
    "support_ref",
]


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


def initiative_ref(initiative_id: int) -> str:
    """What points about an initiative are for (proposed, volunteered, goal
    reached, official response, achieved): once per member and reason."""
    return f"i{initiative_id}"


def support_ref(initiative_id: int, supporter_id: int) -> str:
    """The point an author receives for one supporter: once per supporter,
    taken back when that support is withdrawn."""
    return f"i{initiative_id}/m{supporter_id}"


def decision_ref(decision_id: int) -> str:
    """Points a moderation decision gave or took (void if it is overturned)."""
    return f"d{decision_id}"


def achievement_earns(*, goal_reached: bool, answered: bool) -> bool:
    """Marking an initiative achieved earns points only when it had moved
    something: it reached its goal or an official answered it. An author
    alone cannot mint them on a one-supporter initiative."""
    return goal_reached or answered


@dataclass(eq=False)
class PointEntry:
    """One line of the points ledger; leaderboards sum it by area and period."""

    member_id: int
    area_id: int
    reason: PointReason
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
