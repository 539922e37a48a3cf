"""The Bot API as the fake speaks it: its limits, its methods' families, its
error texts, and the parameters of a request."""

from __future__ import annotations

import re
from typing import Any

DEFAULT_TOKEN = "123456789:AAFakeTokenForPossiblesTests_0123456"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200

SENDS = frozenset({"sendmessage", "senddocument"})
EDITS = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})
FAULTABLE = SENDS | frozenset({"editmessagetext", "editmessagereplymarkup"})
READS = frozenset({"getupdates", "getme", "getwebhookinfo", "getmycommands", "getchat", "getfile"})
#: Update kinds delivered when allowed_updates was never given (or given empty).
DEFAULT_UPDATES = frozenset(
    {"message", "edited_message", "callback_query", "inline_query", "chosen_inline_result", "my_chat_member"}
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    """An error answered the way Telegram answers it."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What Telegram echoes in Message.reply_markup: a non-empty inline keyboard only."""
    if markup and any(markup.get("inline_keyboard") or []):
        return markup
    return None
