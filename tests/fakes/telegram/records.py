"""What the fake is configured with (limits, faults) and what it records (calls,
answers, messages), as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram.api import FAULTABLE

# ---------------------------------------------------------------- configuration and records


@dataclass
class RateLimits:
    """Flood limits as (messages, seconds) sliding windows; Telegram's by default."""

    enabled: bool = True
    overall: tuple[int, float] = (30, 1.0)
    per_private_chat: tuple[int, float] = (1, 1.0)
    per_group: tuple[int, float] = (20, 60.0)
    count_edits: bool = True


@dataclass
class Faults:
    """Seeded fault injection on sending calls; kinds: "429", "500", "502", "drop", "timeout"."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "502", "drop", "timeout")
    seed: int = 0
    methods: frozenset[str] = FAULTABLE
    retry_after: int = 1
    timeout_delay: float = 10.0  # "timeout": stored, then answered this late (beyond the client's timeout)


@dataclass(frozen=True)
class FaultRecord:
    kind: str
    method: str
    chat_id: int | None
    at: float
    message_id: int | None = None  # for "timeout": the message that WAS stored


@dataclass(frozen=True)
class RateLimitRecord:
    method: str
    chat_id: int
    scope: str  # "overall", "chat", "group", or "injected" (a Faults 429)
    retry_after: int
    at: float


@dataclass(frozen=True)
class Call:
    """One request: method (as named by the client), its parameters, when, and the outcome."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    description: str | None = None
    chat_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float


@dataclass(frozen=True)
class InlineAnswer:
    query_id: str
    results: list[dict[str, Any]]
    cache_time: int
    is_personal: bool
    next_offset: str
    at: float


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredMessage:
    """A message as it stands now (after edits); from_bot is False for what users sent."""

    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    sender_id: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    source: str | None = None  # the text (or caption) as the bot sent it, before parsing
    reply_markup: dict[str, Any] | None = None
    caption: str | None = None
    document: dict[str, Any] | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]
