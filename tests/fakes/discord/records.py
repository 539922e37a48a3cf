"""The world a test sets up (guilds, channels, roles, members) and what the fake
records (requests, messages, interactions and their answers), as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord.api import EPHEMERAL, GUILD_FORUM, GUILD_TEXT

# ---------------------------------------------------------------- the world a test defines

#: Every permission bit (a guild owner's or an administrator's).
ALL_PERMISSIONS = (1 << 53) - 1
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
#: What @everyone may do on a fresh server: invite, react, view, send, embed links, attach files,
#: read history, external emojis, connect, speak, change nickname, use application commands,
#: create public threads, send in threads.
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 26, 31, 35, 38))


@dataclass
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1


@dataclass
class Channel:
    """A guild channel; ``type`` 0 text, 15 forum. The bot may be denied sending (403 50013)."""

    id: int
    name: str
    type: int = GUILD_TEXT
    bot_can_send: bool = True
    parent_id: int | None = None
    available_tags: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_forum(self) -> bool:
        return self.type == GUILD_FORUM


@dataclass
class Member:
    """A person: a user, their nickname and roles in the guild, and whether they accept DMs."""

    id: int
    username: str = ""
    global_name: str | None = None
    nick: str | None = None
    roles: list[int] = field(default_factory=list)
    locale: str = "fr"
    dm_blocked: bool = False
    owner: bool = False

    def __post_init__(self) -> None:
        self.username = self.username or f"user{self.id}"


@dataclass
class Guild:
    id: int
    name: str = "Possibles test server"
    channels: list[Channel] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    preferred_locale: str = "fr"

    def channel(self, channel_id: int) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.id == user_id), None)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Request:
    """One HTTP request: method, path (after /api/v10), JSON body, status and Discord error code."""

    method: str
    path: str
    json: Any
    at: float
    status: int = 200
    code: int | None = None
    fault: str | None = None  # "429" or "5xx" when the test scripted it
    error: Any = None  # the JSON body of a refusal: {"message", "code", "errors"}

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Attachment:
    """A file the bot uploaded with a message."""

    filename: str
    content_type: str
    data: bytes
    id: int = 0

    def payload(self) -> dict[str, Any]:
        url = f"https://cdn.discordapp.com/attachments/0/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }


@dataclass
class StoredMessage:
    """A message as it stands now (after edits), with the JSON the bot sent for it."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    flags: int = 0
    timestamp: str = ""
    edited_timestamp: str | None = None
    interaction_id: int | None = None  # the interaction this message answers (response or follow-up)
    webhook_id: int | None = None
    guild_id: int | None = None
    edits: int = 0
    deleted: bool = False
    #: Every body the bot sent for this message: the creation, then each edit.
    history: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def items(self) -> list[dict[str, Any]]:
        """Every interactive component (buttons, selects), wherever it sits."""
        found: list[dict[str, Any]] = []

        def walk(nodes: list[dict[str, Any]]) -> None:
            for node in nodes:
                if node.get("type") in (2, 3, 5, 6, 7, 8):
                    found.append(node)
                walk(node.get("components") or [])
                for key in ("accessory", "component"):
                    if isinstance(node.get(key), dict):
                        walk([node[key]])

        walk(self.components)
        return found

    @property
    def custom_ids(self) -> list[str]:
        return [item["custom_id"] for item in self.items if item.get("custom_id")]

    def item(self, custom_id: str) -> dict[str, Any]:
        for item in self.items:
            if item.get("custom_id") == custom_id:
                return item
        raise KeyError(f"no component {custom_id!r} on message {self.id}; it has {self.custom_ids}")

    def text(self) -> str:
        """Content and every embed's visible text, for assertions that do not care where a word is."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [
                (embed.get("author") or {}).get("name") or "",
                (embed.get("footer") or {}).get("text") or "",
            ]
            for item in embed.get("fields") or []:
                parts += [item.get("name") or "", item.get("value") or ""]

        def walk(nodes: list[dict[str, Any]]) -> None:
            for node in nodes:
                if node.get("type") == 10:
                    parts.append(node.get("content") or "")
                walk(node.get("components") or [])

        walk(self.components)
        return "\n".join(p for p in parts if p)

    def payload(self, author: dict[str, Any]) -> dict[str, Any]:
        """The message as Discord returns it."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": 0 if self.interaction_id is None else 20,
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "attachments": [a.payload() for a in self.attachments],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "flags": self.flags,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "author": author,
        }
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(frozen=True)
class Callback:
    """One accepted interaction callback: its type (4..9) and data."""

    type: int
    data: dict[str, Any]
    at: float
    after: float = 0.0  # seconds since the interaction was sent (Discord allows 3 for the first)


@dataclass
class Interaction:
    """An interaction the test sent, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float  # the fake's monotonic clock; the 3-second rule counts from here
    user_id: int
    channel_id: int | None
    guild_id: int | None
    callbacks: list[Callback] = field(default_factory=list)
    refused: list[Request] = field(default_factory=list)  # callbacks Discord refused (40060, 10062, 50035)
    response_id: int | None = None  # the message @original designates
    shards: list[tuple[int, int]] = field(default_factory=list)  # the live sessions it was sent to
    followup_ids: list[int] = field(default_factory=list)
    _messages: dict[int, StoredMessage] = field(default_factory=dict, repr=False)

    @property
    def answered(self) -> bool:
        return bool(self.callbacks)

    @property
    def callback(self) -> Callback | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def response(self) -> StoredMessage | None:
        """The message @original designates: the one a type 4 or 5 created, or the component's message."""
        return None if self.response_id is None else self._messages.get(self.response_id)

    @property
    def followups(self) -> list[StoredMessage]:
        return [self._messages[i] for i in self.followup_ids if i in self._messages]

    @property
    def replies(self) -> list[StoredMessage]:
        """The response (when it is a message of this interaction) and the follow-ups, in order."""
        first = self.response
        own = [first] if first is not None and first.interaction_id == self.id else []
        return own + self.followups

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal a type-9 callback opened (its data: custom_id, title, components)."""
        return next((c.data for c in self.callbacks if c.type == 9), None)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """The autocomplete choices a type-8 callback gave."""
        return next((c.data.get("choices") for c in self.callbacks if c.type == 8), None)

    @property
    def custom_id(self) -> str | None:
        return (self.payload.get("data") or {}).get("custom_id")
