"""Chats with a purpose on a platform: the moderators' group, where the
review queue arrives; the initiatives' channel (a Discord forum), where each
new initiative gets a post whose card follows it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChatPurpose", "chat_in_force"]


class ChatPurpose(StrEnum):
    MODERATORS = "moderators"
    INITIATIVES = "initiatives"


def chat_in_force(set_from_chat: str | None, configured: str | None) -> str | None:
    """Which chat serves a purpose on a platform: the one an admin set from
    the chat itself (/modchat) wins over the configured one."""
    return set_from_chat if set_from_chat is not None else configured
