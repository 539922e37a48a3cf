"""Members, their platform identities, roles and officials' mandates."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.domain.areas import Area
from core.errors import Forbidden, InvalidInput, Suspended

__all__ = [
    "FORGOTTEN_NAME",
    "LANGUAGES",
    "Identity",
    "LinkedIdentity",
    "Mandate",
    "Member",
    "Role",
    "has_role",
    "is_forgotten",
    "language_from_code",
    "require_role",
    "roles_granting",
    "time_of_day",
]

#: The languages possibles speaks; anything else falls back to the default.
LANGUAGES = ("fr", "en")

#: The name of a member who used /forget: none. A living member always has a
#: non-empty name (members.enter cleans it and falls back to their platform
#: id), so this marks the erased author; front ends show it in the reader's
#: language (``Translator.member_name``: "former member", « ancien membre »).
FORGOTTEN_NAME = ""


def is_forgotten(name: str) -> bool:
    """Whether ``name`` is a former member's (one who used /forget): the one
    test of it, for what shows a member's name (``Translator.member_name``)
    and for what names nobody in their place (the Popolo export)."""
    return name == FORGOTTEN_NAME


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"
    OFFICIAL = "official"


@dataclass(frozen=True)
class Identity:
    """Who is speaking, as a front end knows them: ``Identity("telegram", "123")``."""

    platform: str
    external_id: str

    def __post_init__(self) -> None:
        if not self.platform or not self.external_id:
            raise InvalidInput("error.identity")

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


def language_from_code(code: str | None, default: str) -> str:
    """Telegram's "fr-FR", Discord's "en-US"... -> "fr" or "en"."""
    if code:
        short = code.replace("_", "-").split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return default


@dataclass(eq=False)
class Member:
    display_name: str
    language: str
    time_zone: str
    created_at: datetime
    home_area_id: int | None = None
    suspended_until: datetime | None = None
    suspended_permanently: bool = False
    leaderboard_opt_out: bool = False
    digest_frequency: str = "daily"
    digest_time: str = "18:00"
    id: int | None = None
    #: Quiet hours in the member's time: instant alerts wait until the end.
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"

    def is_suspended(self, now: datetime) -> bool:
        return self.suspended_permanently or (self.suspended_until is not None and self.suspended_until > now)

    def ensure_may_act(self, now: datetime) -> None:
        """Suspended members can read but not act."""
        if self.suspended_permanently:
            raise Suspended("error.suspended_permanently")
        if self.suspended_until is not None and self.suspended_until > now:
            raise Suspended(until=self.suspended_until)

    def suspend(self, until: datetime | None) -> None:
        """Suspend until a moment, or for good when ``until`` is None."""
        if until is None:
            self.suspended_permanently = True
        elif self.suspended_until is None or until > self.suspended_until:
            self.suspended_until = until

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise InvalidInput("error.language", choices=", ".join(LANGUAGES))
        self.language = language


@dataclass(eq=False)
class LinkedIdentity:
    """One platform account of a member (a member may have several)."""

    member_id: int
    platform: str
    external_id: str
    created_at: datetime
    language_code: str | None = None
    unreachable: bool = False
    id: int | None = None
    #: When /link brought it over from another member (None: it began here).
    linked_at: datetime | None = None
    #: That other member had a history of its own (see core.services.linking).
    brought_history: bool = False


@dataclass(eq=False)
class Mandate:
    """An official's mandate: an area and a title ("Maire de Lyon")."""

    member_id: int
    area_id: int
    title: str
    verified_at: datetime
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def covers(self, mandate_area: Area, area: Area) -> bool:
        """The one rule of an official's reach: an active mandate over
        ``mandate_area`` (the mandate's own area) covers that area and every
        area inside it."""
        return self.active and mandate_area.id == self.area_id and mandate_area.contains(area)


_TIME_OF_DAY = re.compile(r"^([0-9]{1,2})(?:[:h]([0-9]{2})?)?$")


def time_of_day(text: str) -> str | None:
    """The one parser of a time of day (digest time, quiet hours): "8",
    "8:30", "08:30", "18h", "18h30" -> "HH:MM"; None when it is not one
    (each caller says so in its own words)."""
    match = _TIME_OF_DAY.match(text.strip().lower())
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def has_role(roles: Collection[str], role: Role) -> bool:
    """The one rule of roles: admins hold every power; others need the role itself."""
    return role in roles or Role.ADMIN in roles


def roles_granting(role: Role) -> tuple[str, ...]:
    """The stored roles that give ``role`` (for queries): itself and admin."""
    return tuple(dict.fromkeys((role, Role.ADMIN)))


def require_role(roles: Collection[str], role: Role) -> None:
    """``has_role`` or Forbidden."""
    if not has_role(roles, role):
        raise Forbidden("error.role_required", role=role.value)
