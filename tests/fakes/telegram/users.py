"""Simulated users of the fake Telegram: what people do, turned into updates."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from tests.fakes.telegram.html import utf16_len
from tests.fakes.telegram.records import StoredMessage


class SimulatedUsers:
    """People using Telegram: they write, press buttons, query inline, block the bot.

    Mixed into FakeTelegram, whose state (messages, updates, the lock) they change."""

    # ------------------------------------------------------------ acting as users

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> int | None:
        with self._lock:
            if kind not in self._allowed_updates:
                return None
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, kind: payload})
        self._wake()
        return update_id

    def _user(
        self, user_id: int, first_name: str | None, language_code: str | None, username: str | None
    ) -> dict[str, Any]:
        user = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if first_name:
            user["first_name"] = first_name
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        return user

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        language_code: str = "fr",
        username: str | None = None,
    ) -> dict[str, Any]:
        """Make a private chat known (as if the user had pressed Start) without an update."""
        with self._lock:
            user = self._user(user_id, first_name, language_code, username)
            chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
            self._chats.setdefault(user_id, chat)
            return dict(user)

    def add_group(self, chat_id: int, title: str = "", chat_type: str = "supergroup") -> None:
        with self._lock:
            self._chats.setdefault(
                chat_id, {"id": chat_id, "type": chat_type, "title": title or f"Group {-chat_id}"}
            )

    def user_sends(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        language_code: str = "fr",
        first_name: str | None = None,
        username: str | None = None,
        group_title: str = "",
    ) -> StoredMessage:
        """A user writes text in a private chat (chat_id None) or a group (chat_id < 0)."""
        with self._lock:
            self.add_user(user_id, first_name=first_name, language_code=language_code, username=username)
            if chat_id is None or chat_id == user_id:
                chat_id = user_id
            else:
                self.add_group(chat_id, group_title)
            message = self._new_message(chat_id, from_bot=False, sender_id=user_id)
            message.text = text
            if text.startswith("/"):
                command = re.split(r"\s", text, maxsplit=1)[0]
                message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            payload = self._message_json(message)
            snapshot = copy.deepcopy(message)
        self._enqueue("message", payload)
        return snapshot

    def user_presses(
        self, user_id: int, chat_id: int, message_id: int, callback_data: str, *, strict: bool = True
    ) -> str:
        """A user presses an inline button; returns the callback query id. With strict, the button
        must exist on that message (strict=False forges any payload, as a malicious client could)."""
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None or message.deleted or not message.from_bot:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            if strict and callback_data not in message.callback_data:
                raise ValueError(
                    f"message {message_id} has no button {callback_data!r}: {message.callback_data}"
                )
            user = self._user(user_id, None, None, None)
            query_id = str(next(self._query_ids))
            self._queries[query_id] = ("callback_query", time.monotonic(), False)
            payload = {
                "id": query_id,
                "from": dict(user),
                "message": self._message_json(message),
                "chat_instance": str(-(abs(chat_id) * 7919 % 10**18) - 1),
                "data": callback_data,
            }
        self._enqueue("callback_query", payload)
        return query_id

    def user_inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> str:
        """A user types "@bot query" anywhere; returns the inline query id."""
        with self._lock:
            user = self._user(user_id, None, None, None)
            query_id = str(next(self._query_ids))
            self._queries[query_id] = ("inline_query", time.monotonic(), False)
            payload = {
                "id": query_id,
                "from": dict(user),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
        self._enqueue("inline_query", payload)
        return query_id

    def user_chooses_inline_result(self, user_id: int, result_id: str, query: str) -> None:
        with self._lock:
            user = dict(self._user(user_id, None, None, None))
        self._enqueue("chosen_inline_result", {"result_id": result_id, "from": user, "query": query})

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends answer 403, and a my_chat_member update arrives."""
        with self._lock:
            self.add_user(user_id)
            self._blocked.add(user_id)
            payload = self._member_update(user_id, "member", "kicked")
        self._enqueue("my_chat_member", payload)

    def unblock(self, user_id: int) -> None:
        with self._lock:
            self._blocked.discard(user_id)
            payload = self._member_update(user_id, "kicked", "member")
        self._enqueue("my_chat_member", payload)

    def _member_update(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            return {"user": dict(self.bot_user), "status": status} | (
                {"until_date": 0} if status == "kicked" else {}
            )

        return {
            "chat": dict(self._chats[user_id]),
            "from": dict(self._users[user_id]),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
