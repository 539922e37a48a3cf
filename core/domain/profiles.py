"""Who may see a member's profile.

A member may hide from the leaderboards (``leaderboard_opt_out``); they then
hide their profile too. They still earn points and badges and see their own
profile and rank. Moderators still see it, in a private chat: they judge
reports on members and appeals, and a profile holds nothing but the
member's public acts. In a group, where a card is read by everyone, a
hidden profile stays hidden whoever asked.
"""

from __future__ import annotations

from collections.abc import Collection

from core.domain.members import Role, has_role

__all__ = ["profile_shown_to"]


def profile_shown_to(
    hidden: bool, owner_id: int, viewer_id: int | None, viewer_roles: Collection[str]
) -> bool:
    """Whether ``viewer_id`` (None: a group) sees the profile of ``owner_id``."""
    if not hidden:
        return True
    if viewer_id is None:
        return False
    return viewer_id == owner_id or has_role(viewer_roles, Role.MODERATOR)
