"""An in-process Bot API for python-telegram-bot: a ``BaseRequest`` that
answers like Telegram without a socket, so a benchmark measures the bot and
the library, not the network."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any

from telegram.request import BaseRequest, RequestData

__all__ = ["InProcessBotAPI", "command_update"]

BOT = {"id": 1, "is_bot": True, "first_name": "possibles", "username": "possibles_bot"}


class InProcessBotAPI(BaseRequest):
    """Answers getMe, sendMessage, editMessageText, answerCallbackQuery and
    anything else with ``true``; counts the calls by method."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._ids = count(1)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        self.calls[name] = self.calls.get(name, 0) + 1
        params: dict[str, Any] = dict(request_data.parameters) if request_data is not None else {}
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in {"sendMessage", "editMessageText"}:
            chat_id = int(params.get("chat_id", 0))
            result = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text", ""),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


_update_ids = count(1)


def command_update(user_id: int, text: str) -> dict[str, Any]:
    """A private message from ``user_id`` as Telegram sends it (a command's entity included)."""
    user = {"id": user_id, "is_bot": False, "first_name": f"member {user_id}", "language_code": "en"}
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])}]
    return {"update_id": next(_update_ids), "message": message}
