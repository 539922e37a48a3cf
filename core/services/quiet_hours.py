"""Quiet hours: when a member's instant alerts wait until morning (/quiet)."""

from __future__ import annotations

from core.domain.deliveries import parse_quiet
from core.services.members import get_member
from core.storage.uow import UnitOfWork

__all__ = ["set_quiet_hours"]


def set_quiet_hours(uow: UnitOfWork, member_id: int, spec: str | None = None) -> tuple[str, str]:
    """Set the member's quiet hours from "22:00-08:00", "22h-7h30" or "off"
    (None leaves them as they are); returns (start, end) now in force, equal
    when there are none. Bad input changes nothing. Suspended members may
    choose theirs too: it changes nothing anyone else sees."""
    wanted = parse_quiet(spec) if spec is not None else None
    with uow:
        member = get_member(uow, member_id)
        if wanted is not None:
            member.quiet_start, member.quiet_end = wanted
            uow.commit()
        return member.quiet_start, member.quiet_end
