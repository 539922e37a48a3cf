"""The exception tree of the core.

Every error a person can cause carries a message *key* and parameters, never a
sentence: the presentation layer translates it into the member's language.
Foreign exceptions (SQLAlchemy, the platforms) are translated where they enter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "InvalidState",
    "LimitReached",
    "NotFound",
    "PossiblesError",
    "StaleAction",
    "Suspended",
]


class PossiblesError(Exception):
    """Base class of every error the core raises on purpose.

    ``key`` names a message in the catalogs (core/presentation/messages);
    ``params`` fills it. ``str(error)`` is for logs, not for people.
    """

    default_key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.default_key
        self.params = params
        #: What a refusal must leave behind although it changes nothing else
        #: (a wrong /link code is counted): called with a unit of work and the
        #: member's id once the command is rolled back, then committed
        #: (core.presentation.chat).
        self.trace: Callable[[Any, int], None] | None = None
        super().__init__(f"{self.key} {params}" if params else self.key)


class InvalidInput(PossiblesError):
    """The text or argument a member typed is not acceptable."""

    default_key = "error.invalid_input"


class NotFound(PossiblesError):
    """An id or name that does not exist (or that the member may not see)."""

    default_key = "error.not_found"


class Forbidden(PossiblesError):
    """The member lacks the role or ownership this action requires."""

    default_key = "error.forbidden"


class Suspended(Forbidden):
    """A suspended member may read but not act."""

    default_key = "error.suspended"


class LimitReached(PossiblesError):
    """A per-member daily limit is reached."""

    default_key = "error.limit_reached"


class Conflict(PossiblesError):
    """The action was already done (already joined, already reported...)."""

    default_key = "error.conflict"


class InvalidState(PossiblesError):
    """The target is in a state that forbids the action (closed initiative...)."""

    default_key = "error.invalid_state"


class StaleAction(PossiblesError):
    """A button payload that is forged, malformed or no longer applies."""

    default_key = "error.stale_action"
