"""Multi-step conversations (propose, respond, report with a note).

Their state lives in the database, keyed by member, so a restart loses nothing
and a flow begun on one platform can go on from another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["FLOW_TIMEOUT", "Conversation"]

#: A flow untouched this long is abandoned.
FLOW_TIMEOUT = timedelta(minutes=30)


@dataclass(eq=False)
class Conversation:
    member_id: int
    flow: str
    step: str
    updated_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def expired(self, now: datetime) -> bool:
        return now - self.updated_at > FLOW_TIMEOUT
