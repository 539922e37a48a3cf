"""People using Discord: they run slash commands, type in autocompleted options,
press buttons, pick in selects, submit modals and use message context menus;
each act becomes an INTERACTION_CREATE on the gateway, shaped as Discord sends it."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.discord.api import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    iso,
)
from tests.fakes.discord.records import ALL_PERMISSIONS, Interaction, Member, StoredMessage

if TYPE_CHECKING:
    from tests.fakes.discord.server import FakeDiscord

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = range(
    1, 11
)


class People:
    """Mixed into FakeDiscord: acting as members of the test's guilds (or in DMs with the bot)."""

    # ------------------------------------------------------------ slash commands and autocomplete

    def slash(
        self: FakeDiscord,
        user_id: int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
    ) -> Interaction:
        """``/initiative propose title:...``: ``command`` is the path of names ("initiative propose")."""
        data = self._command_data(command, options or {}, guild_id, focused=None, user_id=user_id)
        return self._interact(APPLICATION_COMMAND, user_id, data, guild_id, channel_id, locale, age=age)

    def autocomplete(
        self: FakeDiscord,
        user_id: int,
        command: str,
        focused: str,
        value: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str | None = None,
    ) -> Interaction:
        """The member is typing ``value`` in option ``focused`` (other options already filled)."""
        given = dict(options or {})
        given[focused] = value
        data = self._command_data(command, given, guild_id, focused=focused, user_id=user_id)
        return self._interact(AUTOCOMPLETE, user_id, data, guild_id, channel_id, locale)

    def message_command(
        self: FakeDiscord,
        user_id: int,
        name: str,
        message: StoredMessage,
        *,
        locale: str | None = None,
    ) -> Interaction:
        """A message context-menu command (right click → Apps → ``name``) on ``message``."""
        guild_id = message.guild_id
        command = self._find_command(name, guild_id, kind=3)
        data = {
            "id": command["id"],
            "name": command["name"],
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): self._message_payload(message)}},
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._interact(APPLICATION_COMMAND, user_id, data, guild_id, message.channel_id, locale)

    def _find_command(self: FakeDiscord, name: str, guild_id: int | None, *, kind: int) -> dict[str, Any]:
        with self._lock:
            pools = [self._commands.get(guild_id, [])] if guild_id is not None else []
            pools.append(self._commands.get(None, []))
            for pool in pools:
                for command in pool:
                    if command["name"] == name and int(command.get("type", 1)) == kind:
                        return command
            known = sorted({c["name"] for pool in pools for c in pool})
        raise LookupError(f"the bot registered no command {name!r} (type {kind}); it has {known}")

    def _command_data(
        self: FakeDiscord,
        path: str,
        options: dict[str, Any],
        guild_id: int | None,
        *,
        focused: str | None,
        user_id: int,
    ) -> dict[str, Any]:
        root, *rest = path.split()
        command = self._find_command(root, guild_id, kind=1)
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        node, holder = command, data
        for name in rest:
            sub = next((o for o in node.get("options") or [] if o["name"] == name), None)
            if sub is None or sub["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
                raise LookupError(f"/{path}: no sub-command {name!r} in the registered command")
            holder["options"] = [{"name": name, "type": sub["type"], "options": []}]
            node, holder = sub, holder["options"][0]
        values: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for name, value in options.items():
            spec = next((o for o in node.get("options") or [] if o["name"] == name), None)
            if spec is None:
                raise LookupError(
                    f"/{path}: no option {name!r}; it has {[o['name'] for o in node.get('options') or []]}"
                )
            option: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)
            elif spec["type"] in (USER, MENTIONABLE):
                option["value"] = str(value)
                self._resolve_user(resolved, int(value), guild_id)
            elif spec["type"] == CHANNEL:
                option["value"] = str(value)
                resolved.setdefault("channels", {})[str(value)] = self._resolved_channel(
                    int(value), guild_id, user_id
                )
            elif spec["type"] == ROLE:
                option["value"] = str(value)
                resolved.setdefault("roles", {})[str(value)] = self._role_payload(guild_id, int(value))
            values.append(option)
        if values or rest:
            holder["options"] = values
        if resolved:
            data["resolved"] = resolved
        return data

    def _resolved_channel(
        self: FakeDiscord, channel_id: int, guild_id: int | None, user_id: int
    ) -> dict[str, Any]:
        """A channel as an option's resolved data: the member's permissions in it come along."""
        channel = self._channel_payload(channel_id)
        member = self._member(guild_id, user_id) if guild_id is not None else None
        permissions = ALL_PERMISSIONS if member is None else self._permissions(self._guilds[guild_id], member)
        keep = ("id", "name", "type", "parent_id", "thread_metadata", "guild_id")
        resolved = {key: channel[key] for key in keep if key in channel}
        resolved["permissions"] = str(permissions)
        return resolved

    def _resolve_user(
        self: FakeDiscord, resolved: dict[str, Any], user_id: int, guild_id: int | None
    ) -> None:
        resolved.setdefault("users", {})[str(user_id)] = self._user_payload(user_id)
        member = self._member(guild_id, user_id) if guild_id is not None else None
        if member is not None:
            payload = self._member_payload(guild_id, member)
            payload.pop("user")
            resolved.setdefault("members", {})[str(user_id)] = payload

    # ------------------------------------------------------------ components and modals

    def press(
        self: FakeDiscord,
        user_id: int,
        message: StoredMessage,
        custom_id: str,
        *,
        locale: str | None = None,
        age: float = 0.0,
    ) -> Interaction:
        """Press the button ``custom_id`` on ``message`` (it must be there, as in Discord)."""
        item = message.item(custom_id)
        if item.get("disabled"):
            raise LookupError(f"the button {custom_id!r} is disabled: Discord would not let anyone press it")
        data = {"custom_id": custom_id, "component_type": item["type"]}
        return self._component(user_id, message, data, locale, age)

    def select(
        self: FakeDiscord,
        user_id: int,
        message: StoredMessage,
        custom_id: str,
        values: list[str],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Pick ``values`` in the select ``custom_id`` of ``message``."""
        item = message.item(custom_id)
        if item["type"] == 3:
            offered = {o["value"] for o in item.get("options") or []}
            if not set(values) <= offered:
                raise LookupError(f"{sorted(set(values) - offered)} are not options of {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": item["type"], "values": list(values)}
        return self._component(user_id, message, data, locale, 0.0)

    def press_custom_id(
        self: FakeDiscord,
        user_id: int,
        message: StoredMessage,
        custom_id: str,
        *,
        locale: str | None = None,
    ) -> Interaction:
        """A forged or stale press: ``custom_id`` need not be on the message (a modified client sends it)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._component(user_id, message, data, locale, 0.0)

    def _component(
        self: FakeDiscord,
        user_id: int,
        message: StoredMessage,
        data: dict[str, Any],
        locale: str | None,
        age: float,
    ) -> Interaction:
        with self._lock:
            current = self._messages.get(message.id, message)
            payload = self._message_payload(current)
        return self._interact(
            MESSAGE_COMPONENT,
            user_id,
            data,
            current.guild_id,
            current.channel_id,
            locale,
            message=payload,
            age=age,
        )

    def submit_modal(
        self: FakeDiscord,
        user_id: int,
        opened_by: Interaction,
        values: dict[str, str | list[str]],
        *,
        locale: str | None = None,
        age: float = 0.0,
    ) -> Interaction:
        """Submit the modal ``opened_by`` showed (a type-9 callback), with ``values`` by custom_id;
        the submitted components mirror the modal's rows or labels, as Discord's do."""
        modal = opened_by.modal
        if modal is None:
            raise LookupError(f"interaction {opened_by.id} opened no modal; it got {opened_by.callbacks}")

        def filled(node: dict[str, Any]) -> dict[str, Any]:
            kind = node.get("type")
            if kind == 1:
                return {"type": 1, "components": [filled(c) for c in node.get("components") or []]}
            if kind == 18:
                return {"type": 18, "id": node.get("id"), "component": filled(node["component"])}
            answer: dict[str, Any] = {"type": kind, "custom_id": node.get("custom_id"), "id": node.get("id")}
            given = values.get(node.get("custom_id") or "")
            if kind == 4:
                text = given if isinstance(given, str) else (node.get("value") or "")
                if node.get("required", True) and not text:
                    raise ValueError(
                        f"{node.get('custom_id')!r} is required: Discord would not submit the modal"
                    )
                answer["value"] = text
            else:
                answer["values"] = [given] if isinstance(given, str) else list(given or [])
            return answer

        unknown = set(values) - self._modal_ids(modal.get("components") or [])
        if unknown:
            raise LookupError(f"the modal has no input {sorted(unknown)}")
        data = {
            "custom_id": modal["custom_id"],
            "components": [filled(c) for c in modal.get("components") or []],
        }
        message = None
        if opened_by.type == MESSAGE_COMPONENT:
            message = opened_by.payload.get("message")
        return self._interact(
            MODAL_SUBMIT,
            user_id,
            data,
            opened_by.guild_id,
            opened_by.channel_id,
            locale or opened_by.payload.get("locale"),
            message=message,
            age=age,
        )

    @staticmethod
    def _modal_ids(nodes: list[dict[str, Any]]) -> set[str]:
        found: set[str] = set()
        for node in nodes:
            if node.get("custom_id"):
                found.add(node["custom_id"])
            found |= People._modal_ids(node.get("components") or [])
            if isinstance(node.get("component"), dict):
                found |= People._modal_ids([node["component"]])
        return found

    # ------------------------------------------------------------ the interaction itself

    def _interact(
        self: FakeDiscord,
        kind: int,
        user_id: int,
        data: dict[str, Any],
        guild_id: int | None,
        channel_id: int | None,
        locale: str | None,
        *,
        message: dict[str, Any] | None = None,
        age: float = 0.0,
    ) -> Interaction:
        with self._lock:
            interaction_id = self._ids.next()
            token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
            member = self._member(guild_id, user_id) if guild_id is not None else None
            if guild_id is not None and member is None:
                raise LookupError(f"user {user_id} is not a member of guild {guild_id}")
            person = member or self._person(user_id)
            if channel_id is None:
                channel_id = (
                    self._dm_channel(user_id)["id"] if guild_id is None else self._first_text(guild_id)
                )
            channel = self._channel_payload(int(channel_id))
            payload: dict[str, Any] = {
                "id": str(interaction_id),
                "application_id": str(self.application_id),
                "type": kind,
                "data": data,
                "channel_id": str(channel_id),
                "channel": channel,
                "token": token,
                "version": 1,
                "locale": locale or person.locale,
                "app_permissions": str(self._bot_permissions(guild_id, int(channel_id))),
                "entitlements": [],
                "attachment_size_limit": 10 * 1024 * 1024,
            }
            if guild_id is not None:
                assert member is not None
                guild = self._guilds[guild_id]
                payload["guild_id"] = str(guild_id)
                payload["guild"] = {"id": str(guild_id), "locale": guild.preferred_locale, "features": []}
                payload["guild_locale"] = guild.preferred_locale
                payload["member"] = self._member_payload(guild_id, member, channel_id=int(channel_id))
                payload["authorizing_integration_owners"] = {"0": str(guild_id)}
                payload["context"] = 0
            else:
                payload["user"] = self._user_payload(user_id)
                payload["authorizing_integration_owners"] = {"0": str(user_id)}
                payload["context"] = 1
            if message is not None:
                payload["message"] = message
            record = Interaction(
                id=interaction_id,
                token=token,
                type=kind,
                payload=payload,
                created=time.monotonic() - age,
                user_id=user_id,
                channel_id=int(channel_id),
                guild_id=guild_id,
                _messages=self._messages,
            )
            self._interactions[interaction_id] = record
            self._by_token[token] = record
            delivered = self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id, intent=None)
        record.shards = [session.shard for session in delivered]
        if not delivered and self.require_live_session:
            raise RuntimeError(
                "no gateway session is connected to receive the interaction (wait for ready first)"
            )
        return record

    def _person(self: FakeDiscord, user_id: int) -> Member:
        with self._lock:
            for guild in self._guilds.values():
                member = guild.member(user_id)
                if member is not None:
                    return member
            return self._strangers.setdefault(user_id, Member(user_id))

    def _bot_permissions(self: FakeDiscord, guild_id: int | None, channel_id: int) -> int:
        if guild_id is None:
            return ALL_PERMISSIONS & ~(1 << 3)
        channel = self._guilds[guild_id].channel(channel_id)
        send = 1 << 11
        permissions = self.bot_permissions
        if channel is not None and not channel.bot_can_send:
            permissions &= ~send
        return permissions

    def _first_text(self: FakeDiscord, guild_id: int) -> int:
        channel = next((c for c in self._guilds[guild_id].channels if c.type == 0), None)
        if channel is None:
            raise LookupError(f"guild {guild_id} has no text channel; pass channel_id")
        return channel.id

    def joined_at(self: FakeDiscord) -> str:
        return iso(self._started)
