"""Discord's API v10 as the fake speaks it: snowflakes, timestamps, and the
errors with Discord's codes, messages and JSON shape."""

from __future__ import annotations

import datetime
import itertools
import threading
import time
from typing import Any

DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.FakeTk.possibles-tests-0123456789abcdef"
API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000

#: Gateway intents Discord calls privileged (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT).
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15

# Interaction types and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
CALLBACK_TYPES = frozenset({1, 4, 5, 6, 7, 8, 9})

# Channel types.
GUILD_TEXT, DM, GUILD_CATEGORY, GUILD_ANNOUNCEMENT = 0, 1, 4, 5
PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 11, 12, 15

# Error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_COMMAND = 10063
CANNOT_SEND_EMPTY = 50006
CANNOT_DM_USER = 50007
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
ALREADY_ACKNOWLEDGED = 40060

_MESSAGES = {
    UNKNOWN_CHANNEL: "Unknown Channel",
    UNKNOWN_GUILD: "Unknown Guild",
    UNKNOWN_MEMBER: "Unknown Member",
    UNKNOWN_MESSAGE: "Unknown Message",
    UNKNOWN_USER: "Unknown User",
    UNKNOWN_WEBHOOK: "Unknown Webhook",
    UNKNOWN_INTERACTION: "Unknown interaction",
    UNKNOWN_COMMAND: "Unknown application command",
    CANNOT_SEND_EMPTY: "Cannot send an empty message",
    CANNOT_DM_USER: "Cannot send messages to this user",
    MISSING_PERMISSIONS: "Missing Permissions",
    INVALID_FORM_BODY: "Invalid Form Body",
    ALREADY_ACKNOWLEDGED: "Interaction has already been acknowledged.",
}


class DiscordError(Exception):
    """An error answered the way Discord answers it: status, JSON code, message, field errors."""

    def __init__(self, status: int, code: int, message: str | None = None, errors: Any = None) -> None:
        self.status = status
        self.code = code
        self.message = message or _MESSAGES.get(code, f"{status}")
        self.errors = errors
        super().__init__(f"{status} {code} {self.message}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found(code: int) -> DiscordError:
    return DiscordError(404, code)


class FieldErrors:
    """Collects invalid fields as Discord reports them:
    ``{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}``."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: tuple[str | int, ...], value: Any, low: int, high: int) -> None:
        if value is not None and not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: tuple[str | int, ...]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordError(400, INVALID_FORM_BODY, errors=self.tree)


def error_paths(errors: Any, prefix: str = "") -> list[str]:
    """The dotted paths of a 50035 error tree, with codes: ``["embeds.0.title BASE_TYPE_MAX_LENGTH"]``."""
    found: list[str] = []
    if not isinstance(errors, dict):
        return found
    if "code" in errors and "message" in errors:  # a whole error body
        return error_paths(errors.get("errors"))
    for key, value in errors.items():
        if key == "_errors":
            found.extend(f"{prefix} {error['code']}" for error in value)
        else:
            found.extend(error_paths(value, f"{prefix}.{key}" if prefix else key))
    return found


class Snowflakes:
    """Discord ids: milliseconds since 2015 shifted by 22 bits, then a counter; thread-safe."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self, at: float | None = None) -> int:
        ms = int((time.time() if at is None else at) * 1000)
        with self._lock:
            return ((ms - DISCORD_EPOCH_MS) << 22) | (next(self._counter) & 0x3FFFFF)


def iso(at: float | None = None) -> str:
    """A timestamp as Discord writes it (ISO 8601, UTC, microseconds)."""
    moment = datetime.datetime.fromtimestamp(time.time() if at is None else at, datetime.UTC)
    return moment.isoformat()
