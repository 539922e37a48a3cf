"""Officials' public responses to initiatives."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain.initiatives import Visibility

__all__ = ["RESPONSE_MAX", "OfficialRecord", "Position", "Response", "ResponseRevision"]

RESPONSE_MAX = 2000


class Position(StrEnum):
    SUPPORTS = "supports"
    WILL_STUDY = "will_study"
    DECLINES = "declines"
    ALREADY_DONE = "already_done"


@dataclass(eq=False)
class Response:
    """One response per mandate per initiative; edits keep revisions."""

    initiative_id: int
    mandate_id: int
    official_id: int
    position: Position
    body: str
    created_at: datetime
    updated_at: datetime
    visibility: Visibility = Visibility.VISIBLE
    flagged: bool = False
    id: int | None = None


@dataclass(eq=False)
class ResponseRevision:
    """A former version of a response, kept when the official edits it."""

    response_id: int
    position: Position
    body: str
    created_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class OfficialRecord:
    """An official's public record."""

    answered: int
    pending: int
    median_days: float | None

    @classmethod
    def from_delays(cls, delays: list[timedelta], pending: int) -> OfficialRecord:
        days = [d / timedelta(days=1) for d in delays]
        median = round(statistics.median(days), 1) if days else None
        return cls(answered=len(days), pending=pending, median_days=median)
