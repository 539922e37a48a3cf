"""One-time invite codes that make a person an official."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from core.errors import InvalidState

__all__ = ["InviteCode", "new_code"]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_code() -> str:
    """A code a person can type: 10 characters, no look-alikes."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@dataclass(eq=False)
class InviteCode:
    code: str
    area_id: int
    title: str
    created_at: datetime
    expires_at: datetime
    redeemed_by: int | None = None
    redeemed_at: datetime | None = None
    id: int | None = None

    def redeem(self, member_id: int, now: datetime) -> None:
        if self.redeemed_by is not None:
            raise InvalidState("error.invite_used")
        if now >= self.expires_at:
            raise InvalidState("error.invite_expired")
        self.redeemed_by = member_id
        self.redeemed_at = now
