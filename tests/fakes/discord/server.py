"""The fake Discord: REST (API v10) and the gateway on one loopback port, with
Discord's checks and errors, scripted 429 and 5xx, and what a test reads back."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.discord.api import (
    ALREADY_ACKNOWLEDGED,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CALLBACK_TYPES,
    CANNOT_DM_USER,
    CHANNEL_MESSAGE,
    DEFAULT_TOKEN,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    DM,
    EPHEMERAL,
    GUILD_FORUM,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    LOADING,
    MESSAGE_COMPONENT,
    MISSING_PERMISSIONS,
    MODAL,
    MODAL_SUBMIT,
    PUBLIC_THREAD,
    UNKNOWN_CHANNEL,
    UNKNOWN_COMMAND,
    UNKNOWN_GUILD,
    UNKNOWN_INTERACTION,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    UNKNOWN_WEBHOOK,
    UPDATE_MESSAGE,
    DiscordError,
    FieldErrors,
    Snowflakes,
    iso,
    not_found,
)
from tests.fakes.discord.gateway import Gateway, Session
from tests.fakes.discord.limits import (
    check_choices,
    check_commands,
    check_message,
    check_modal,
    check_thread_name,
)
from tests.fakes.discord.people import People
from tests.fakes.discord.records import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    Attachment,
    Callback,
    Guild,
    Interaction,
    Member,
    Request,
    StoredMessage,
)

FOLLOWUP_WINDOW = 15 * 60.0
#: A bot's upload limit per file without server boosts.
MAX_ATTACHMENT = 10 * 1024 * 1024
#: What the bot's own role lets it do by default: view, send, embed, history, threads, manage threads.
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | (1 << 34) | (1 << 13)
_EDITABLE = ("content", "embeds", "components", "allowed_mentions", "attachments")


@dataclass
class Fault:
    """A scripted failure for the next request matching ``method`` and the ``path`` regex."""

    status: int
    method: str | None = None
    path: str | None = None
    retry_after: float = 1.0
    scope: str = "user"  # X-RateLimit-Scope: user, global, shared
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or re.fullmatch(self.path, path) is not None
        )


#: Fault.status of a request held unanswered (hang_next).
HANG = 0

_Handler = Callable[..., Any]


class FakeDiscord(People):
    """One bot application's Discord on 127.0.0.1; see the package docstring."""

    def __init__(
        self,
        guilds: list[Guild] | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int = 1_000_000_000_000_000_001,
        bot_name: str = "Possibles",
        callback_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
        allowed_intents: int = 0,
        recommended_shards: int = 1,
        bot_permissions: int = BOT_PERMISSIONS,
        port: int = 0,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_user_id = application_id  # a bot user has its application's id
        self.bot_name = bot_name
        #: Seconds an interaction may wait for its first callback (Discord: 3); an e2e run against a
        #: loaded machine may allow more, the refusal itself stays the same.
        self.callback_deadline = callback_deadline
        #: An interaction for a guild whose session has no live socket raises (a test's mistake, usually);
        #: False keeps it in the session for its RESUME, as Discord does during an outage.
        self.require_live_session = True
        self.recommended_shards = recommended_shards
        self.bot_permissions = bot_permissions
        self._requested_port = port
        self.port = 0
        self._lock = threading.RLock()
        self._ids = Snowflakes()
        self._started = time.time()
        self._guilds: dict[int, Guild] = {g.id: g for g in guilds or []}
        self._strangers: dict[int, Member] = {}
        self._bot_role_ids = {g.id: self._ids.next() for g in guilds or []}
        self._channels: dict[int, dict[str, Any]] = {}
        for guild in self._guilds.values():
            for channel in guild.channels:
                self._channels[channel.id] = self._guild_channel_payload(guild, channel)
        self._dms: dict[int, int] = {}  # user id -> DM channel id
        self._messages: dict[int, StoredMessage] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._interactions: dict[int, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self._requests: list[Request] = []
        self._faults: deque[Fault] = deque()
        self._pending_files: list[Attachment] = []  # the files of the request being handled
        self._released: asyncio.Event | None = None  # set: the held requests are answered
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.gateway = Gateway(
            token,
            ready=self._ready_payload,
            guilds_for=self._guilds_for,
            resume_url=lambda: self.gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_intents=allowed_intents,
        )
        self._routes: list[tuple[str, re.Pattern[str], _Handler, bool]] = []
        route = self._route
        route("GET", r"/users/@me", lambda r: self._user_payload(self.bot_user_id))
        route("GET", r"/users/(\d+)", self._get_user)
        route("POST", r"/users/@me/channels", self._create_dm)
        route("GET", r"/(?:oauth2/)?applications/@me", lambda r: self._application_payload())
        route("GET", r"/gateway", lambda r: {"url": self.gateway_url})
        route("GET", r"/gateway/bot", self._gateway_bot)
        route("GET", r"/applications/(\d+)/commands", lambda r, app: self._list_commands(r, app, None))
        route("PUT", r"/applications/(\d+)/commands", lambda r, app: self._put_commands(r, app, None))
        route("POST", r"/applications/(\d+)/commands", lambda r, app: self._upsert_command(r, app, None))
        route("GET", r"/applications/(\d+)/guilds/(\d+)/commands", self._list_commands)
        route(
            "PUT", r"/applications/(\d+)/guilds/(\d+)/commands", lambda r, a, g: self._put_commands(r, a, g)
        )
        route(
            "POST",
            r"/applications/(\d+)/guilds/(\d+)/commands",
            lambda r, a, g: self._upsert_command(r, a, g),
        )
        route("DELETE", r"/applications/(\d+)/commands/(\d+)", self._delete_command)
        route("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback, auth=False)
        route("GET", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self._get_webhook_message, auth=False)
        route("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self._edit_webhook_message, auth=False)
        route("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self._delete_webhook_message, auth=False)
        route("POST", r"/webhooks/(\d+)/([^/]+)", self._followup, auth=False)
        route("GET", r"/channels/(\d+)", self._get_channel)
        route("PATCH", r"/channels/(\d+)", self._edit_channel)
        route("POST", r"/channels/(\d+)/messages", self._create_message)
        route("GET", r"/channels/(\d+)/messages/(\d+)", self._get_message)
        route("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message)
        route("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_message)
        route("POST", r"/channels/(\d+)/threads", self._create_thread)
        route("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._create_thread)
        route("POST", r"/channels/(\d+)/typing", lambda r, c: None)
        route("GET", r"/guilds/(\d+)", lambda r, g: self._guild_payload(self._guild(g)))
        route("GET", r"/guilds/(\d+)/channels", self._guild_channels)
        route("GET", r"/guilds/(\d+)/roles", lambda r, g: self._roles_payload(self._guild(g)))
        route("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member)
        route("PUT", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._add_role)
        route("DELETE", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", self._remove_role)

    # ------------------------------------------------------------ URLs and lifecycle

    @property
    def base_url(self) -> str:
        """For ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """For ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (as a yarl.URL)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment for a ``possibles run`` subprocess that should talk to this fake."""
        return {
            "POSSIBLES_DISCORD__TOKEN": self.token,
            "POSSIBLES_DISCORD__API_BASE_URL": self.base_url,
            "POSSIBLES_DISCORD__GATEWAY_URL": self.gateway_url,
        }

    async def start(self) -> str:
        """Serve in the running event loop; returns base_url."""
        self._loop = asyncio.get_running_loop()
        self._released = asyncio.Event()
        self.gateway.bind(self._loop)
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{path:.*}", self._http)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._requested_port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self.base_url

    async def stop(self) -> None:
        if self._released is not None:
            self._released.set()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_in_thread(self) -> str:
        """Serve from a background thread with its own loop; returns base_url."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-discord", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self.base_url

    def stop_thread(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeDiscord:
        self.start_in_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()

    # ------------------------------------------------------------ faults

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        path: str | None = None,
        retry_after: float = 1.0,
        scope: str = "user",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (a regex over the path
        after /api/v10, e.g. r"/channels/\\d+/messages") with ``status``: 429 with Discord's rate-limit
        headers and body (``scope`` "global" sets the global flag), or a 5xx."""
        with self._lock:
            self._faults.append(Fault(status, method, path, retry_after, scope, times))

    def hang_next(self, *, method: str | None = None, path: str | None = None) -> None:
        """Hold the next request matching ``method`` and ``path`` unanswered, storing nothing, until
        ``release_hung()`` (or the fake stops): a request lost in flight, as when a process is
        stopped during it."""
        with self._lock:
            self._faults.append(Fault(HANG, method, path))

    def release_hung(self) -> None:
        """Answer every held request (503); their clients may well be gone."""
        if self._loop is not None and self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    def _draw_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------ HTTP

    def _route(self, method: str, pattern: str, handler: _Handler, *, auth: bool = True) -> None:
        self._routes.append((method, re.compile(pattern), handler, auth))

    async def _http(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        method = request.method
        body, files = await self._read_body(request)
        for verb, pattern, handler, auth in self._routes:
            match = pattern.fullmatch(path)
            if verb != method or match is None:
                continue
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                self._log(Request(method, path, body, time.time(), 401, 0))
                return self._json({"message": "401: Unauthorized", "code": 0}, 401, path)
            fault = self._draw_fault(method, path)
            if fault is not None and fault.status == HANG:
                self._log(Request(method, path, body, time.time(), 0, 0, "hang"))
                assert self._released is not None
                await self._released.wait()
                return _json_response({"message": "503: Service Unavailable", "code": 0}, 503, {})
            if fault is not None:
                return self._fault_response(fault, method, path, body)
            too_big = next((f for f in files if len(f.data) > MAX_ATTACHMENT), None)
            if too_big is not None:
                error = DiscordError(413, 40005, "Request entity too large")
                self._log(Request(method, path, body, time.time(), 413, 40005, None, error.body()))
                return self._json(error.body(), 413, path)
            try:
                with self._lock:
                    self._pending_files = files
                    result = handler(_Body(body, request.query), *match.groups())
            except DiscordError as error:
                self._log(
                    Request(method, path, body, time.time(), error.status, error.code, None, error.body())
                )
                return self._json(error.body(), error.status, path)
            self._log(Request(method, path, body, time.time(), 200 if result is not None else 204))
            if result is None:
                return web.Response(status=204, headers=self._limit_headers(path))
            return self._json(result, 200, path)
        self._log(Request(method, path, body, time.time(), 404, 0))
        return self._json({"message": "404: Not Found", "code": 0}, 404, path)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Attachment]]:
        """The JSON body, and the files of a multipart one (``payload_json`` and ``files[n]``)."""
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            payload: Any = None
            files: list[Attachment] = []
            while (part := await reader.next()) is not None:
                if getattr(part, "name", None) == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = bytes(await part.read())  # type: ignore[union-attr]
                    files.append(
                        Attachment(
                            filename=getattr(part, "filename", None) or "file",
                            content_type=part.headers.get("Content-Type", "application/octet-stream"),
                            data=data,
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    def _limit_headers(self, path: str) -> dict[str, str]:
        bucket = hashlib.sha1(re.sub(r"\d{5,}", "{id}", path).encode()).hexdigest()[:32]
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }

    def _json(self, body: Any, status: int, path: str) -> web.Response:
        return _json_response(body, status, self._limit_headers(path))

    def _fault_response(self, fault: Fault, method: str, path: str, body: Any) -> web.Response:
        self._log(Request(method, path, body, time.time(), fault.status, 0, str(fault.status)))
        if fault.status != 429:
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            text = f"{fault.status}: {reason.get(fault.status, 'Server Error')}"
            return _json_response({"message": text, "code": 0}, fault.status, {})
        is_global = fault.scope == "global"
        headers = {
            "Retry-After": str(math.ceil(fault.retry_after)),
            "X-RateLimit-Scope": fault.scope,
            "Via": "1.1 google",  # discord.py retries a 429 only when it came through Discord's proxy
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(self._limit_headers(path))
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset-After"] = f"{fault.retry_after:.3f}"
        payload = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": is_global,
        }
        if is_global:
            payload["code"] = 0
        return _json_response(payload, 429, headers)

    def _log(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    # ------------------------------------------------------------ payloads

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user_id:
            return {
                "id": str(user_id),
                "username": self.bot_name.lower(),
                "global_name": self.bot_name,
                "discriminator": "0",
                "avatar": None,
                "bot": True,
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "public_flags": 0,
            }
        person = self._person(user_id)
        return {
            "id": str(user_id),
            "username": person.username,
            "global_name": person.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
        }

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_name,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {
                "id": "1",
                "username": "owner",
                "discriminator": "0",
                "global_name": None,
                "avatar": None,
            },
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "bot": self._user_payload(self.bot_user_id),
            "interactions_endpoint_url": None,
            "rpc_origins": [],
        }

    def _ready_payload(self, session: Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self._user_payload(self.bot_user_id),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }

    def _guilds_for(self, session: Session) -> list[dict[str, Any]]:
        return [self._guild_create(g) for g in self._guilds.values() if session.owns(g.id)]

    def _guild(self, guild_id: Any) -> Guild:
        guild = self._guilds.get(int(guild_id))
        if guild is None:
            raise not_found(UNKNOWN_GUILD)
        return guild

    def _member(self, guild_id: int | None, user_id: int) -> Member | None:
        guild = self._guilds.get(guild_id) if guild_id is not None else None
        return guild.member(user_id) if guild is not None else None

    def _permissions(self, guild: Guild, member: Member) -> int:
        if member.owner:
            return ALL_PERMISSIONS
        permissions = EVERYONE_PERMISSIONS
        for role in guild.roles:
            if role.id in member.roles:
                permissions |= role.permissions
        return ALL_PERMISSIONS if permissions & ADMINISTRATOR else permissions

    def _member_payload(
        self, guild_id: int | None, member: Member, *, channel_id: int | None = None
    ) -> dict[str, Any]:
        assert guild_id is not None
        guild = self._guilds[guild_id]
        payload: dict[str, Any] = {
            "user": self._user_payload(member.id),
            "nick": member.nick,
            "avatar": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": iso(self._started),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if channel_id is not None:
            payload["permissions"] = str(self._permissions(guild, member))
        return payload

    def _roles_payload(self, guild: Guild) -> list[dict[str, Any]]:
        def role(role_id: int, name: str, permissions: int, position: int, **extra: Any) -> dict[str, Any]:
            return {
                "id": str(role_id),
                "name": name,
                "permissions": str(permissions),
                "position": position,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "icon": None,
                "unicode_emoji": None,
                "flags": 0,
                **extra,
            }

        roles = [role(guild.id, "@everyone", EVERYONE_PERMISSIONS, 0)]
        roles += [role(r.id, r.name, r.permissions, r.position) for r in guild.roles]
        bot_role = self._bot_role_ids.get(guild.id)
        if bot_role is not None:
            roles.append(
                role(
                    bot_role,
                    self.bot_name,
                    self.bot_permissions,
                    1,
                    managed=True,
                    tags={"bot_id": str(self.bot_user_id)},
                )
            )
        return roles

    def _role_payload(self, guild_id: int | None, role_id: int) -> dict[str, Any]:
        guild = self._guild(guild_id)
        for role in self._roles_payload(guild):
            if role["id"] == str(role_id):
                return role
        raise LookupError(f"guild {guild_id} has no role {role_id}")

    def _guild_channel_payload(self, guild: Guild, channel: Any) -> dict[str, Any]:
        overwrites = []
        if not channel.bot_can_send:
            deny = (1 << 11) | (1 << 38)
            overwrites.append({"id": str(self.bot_user_id), "type": 1, "allow": "0", "deny": str(deny)})
        payload: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": guild.channels.index(channel),
            "permission_overwrites": overwrites,
            "parent_id": None if channel.parent_id is None else str(channel.parent_id),
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if channel.type == GUILD_FORUM:
            payload.update(
                available_tags=[self._tag(tag) for tag in channel.available_tags],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
                default_auto_archive_duration=4320,
            )
        return payload

    def _tag(self, tag: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(tag.get("id") or self._ids.next()),
            "name": tag["name"],
            "moderated": bool(tag.get("moderated", False)),
            "emoji_id": tag.get("emoji_id"),
            "emoji_name": tag.get("emoji_name"),
        }

    def _channel_payload(self, channel_id: int) -> dict[str, Any]:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise not_found(UNKNOWN_CHANNEL)
        return copy.deepcopy(channel)

    def _guild_payload(self, guild: Guild) -> dict[str, Any]:
        owner = next((m.id for m in guild.members if m.owner), 1)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(owner),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": guild.preferred_locale,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": self._roles_payload(guild),
        }

    def _guild_create(self, guild: Guild) -> dict[str, Any]:
        payload = self._guild_payload(guild)
        guild_id = str(guild.id)
        channels = [c for c in self._channels.values() if c.get("guild_id") == guild_id]
        bot_member = {
            "user": self._user_payload(self.bot_user_id),
            "nick": None,
            "avatar": None,
            "roles": [str(self._bot_role_ids[guild.id])],
            "joined_at": iso(self._started),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        payload.update(
            channels=copy.deepcopy([c for c in channels if c["type"] not in (11, 12)]),
            threads=copy.deepcopy([c for c in channels if c["type"] in (11, 12)]),
            members=[bot_member],
            member_count=len(guild.members) + 1,
            joined_at=iso(self._started),
            large=False,
            unavailable=False,
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return payload

    def _message_payload(self, message: StoredMessage) -> dict[str, Any]:
        author = self._user_payload(message.author_id)
        payload = message.payload(author)
        if message.interaction_id is not None:
            interaction = self._interactions.get(message.interaction_id)
            if interaction is not None:
                payload["interaction_metadata"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": self._user_payload(interaction.user_id),
                    "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
                }
        return copy.deepcopy(payload)

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        channel_id = self._dms.get(user_id)
        if channel_id is None:
            channel_id = self._dms[user_id] = self._ids.next()
            self._channels[channel_id] = {
                "id": str(channel_id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._user_payload(user_id)],
            }
        return copy.deepcopy(self._channels[channel_id])

    # ------------------------------------------------------------ REST handlers: identity, commands

    def _get_user(self, body: _Body, user_id: str) -> dict[str, Any]:
        if not self._knows(int(user_id)):
            raise not_found(UNKNOWN_USER)
        return self._user_payload(int(user_id))

    def _knows(self, user_id: int) -> bool:
        return user_id == self.bot_user_id or any(g.member(user_id) for g in self._guilds.values())

    def _create_dm(self, body: _Body) -> dict[str, Any]:
        recipient = body.get("recipient_id")
        if recipient is None or not self._knows(int(recipient)) or int(recipient) == self.bot_user_id:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return self._dm_channel(int(recipient))

    def _gateway_bot(self, body: _Body) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    def _check_app(self, application_id: str) -> None:
        if int(application_id) != self.application_id:
            raise DiscordError(
                403, 20012, "You are not authorized to perform this action on this application"
            )

    def _list_commands(self, body: _Body, application_id: str, guild_id: str | None) -> list[dict[str, Any]]:
        self._check_app(application_id)
        return copy.deepcopy(self._commands.get(None if guild_id is None else int(guild_id), []))

    def _stored_command(
        self, command: dict[str, Any], guild_id: int | None, old: dict[str, Any] | None
    ) -> dict[str, Any]:
        stored = copy.deepcopy(command)
        stored.setdefault("type", 1)
        stored.setdefault("description", "" if stored["type"] != 1 else stored.get("description", ""))
        stored.update(
            id=old["id"] if old else str(self._ids.next()),
            application_id=str(self.application_id),
            version=str(self._ids.next()),
            default_member_permissions=command.get("default_member_permissions"),
            nsfw=bool(command.get("nsfw", False)),
        )
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    def _put_commands(self, body: _Body, application_id: str, guild_id: str | None) -> list[dict[str, Any]]:
        self._check_app(application_id)
        gid = None if guild_id is None else int(self._guild(guild_id).id)
        commands = body.value if isinstance(body.value, list) else []
        check_commands(commands)
        old = {(c["name"], c["type"]): c for c in self._commands.get(gid, [])}
        stored = [self._stored_command(c, gid, old.get((c["name"], int(c.get("type", 1))))) for c in commands]
        self._commands[gid] = stored
        return copy.deepcopy(stored)

    def _upsert_command(self, body: _Body, application_id: str, guild_id: str | None) -> dict[str, Any]:
        self._check_app(application_id)
        gid = None if guild_id is None else int(guild_id)
        command = body.value if isinstance(body.value, dict) else {}
        check_commands([command])
        pool = self._commands.setdefault(gid, [])
        old = next((c for c in pool if c["name"] == command.get("name")), None)
        stored = self._stored_command(command, gid, old)
        pool[:] = [c for c in pool if c is not old] + [stored]
        return copy.deepcopy(stored)

    def _delete_command(self, body: _Body, application_id: str, command_id: str) -> None:
        self._check_app(application_id)
        pool = self._commands.get(None, [])
        if not any(c["id"] == command_id for c in pool):
            raise not_found(UNKNOWN_COMMAND)
        pool[:] = [c for c in pool if c["id"] != command_id]

    # ------------------------------------------------------------ REST handlers: interactions

    def _callback(self, body: _Body, interaction_id: str, token: str) -> dict[str, Any] | None:
        interaction = self._interactions.get(int(interaction_id))
        if interaction is None or interaction.token != token:
            raise not_found(UNKNOWN_INTERACTION)
        payload = body.value if isinstance(body.value, dict) else {}
        kind = payload.get("type")
        data = payload.get("data") or {}
        try:
            if interaction.callbacks:
                raise DiscordError(400, ALREADY_ACKNOWLEDGED)
            if time.monotonic() - interaction.created > self.callback_deadline:
                raise not_found(UNKNOWN_INTERACTION)
            self._check_callback_type(interaction, kind)
            if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
                check_message(data, creating=kind == CHANNEL_MESSAGE, prefix=("data",))
            elif kind == MODAL:
                check_modal(data)
            elif kind == AUTOCOMPLETE_RESULT:
                check_choices(data)
        except DiscordError as error:
            interaction.refused.append(
                Request("POST", "callback", payload, time.time(), error.status, error.code)
            )
            raise
        after = time.monotonic() - interaction.created
        interaction.callbacks.append(Callback(int(kind), copy.deepcopy(data), time.time(), after))
        flags = int(data.get("flags") or 0)
        message: StoredMessage | None = None
        if kind == CHANNEL_MESSAGE:
            message = self._store(
                interaction.channel_id or 0,
                data,
                interaction=interaction,
                flags=flags & EPHEMERAL | (flags & (1 << 15)),
            )
            interaction.response_id = message.id
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            message = self._store(
                interaction.channel_id or 0,
                {},
                interaction=interaction,
                flags=LOADING | (flags & EPHEMERAL),
                empty_ok=True,
            )
            interaction.response_id = message.id
        elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            target = int(interaction.payload["message"]["id"])
            interaction.response_id = target
            if kind == UPDATE_MESSAGE:
                message = self._edit(self._messages[target], data)
        if body.query.get("with_response") not in ("1", "true", "True"):
            return None
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "activity_instance_id": None,
                "response_message_id": None if message is None else str(message.id),
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": message is not None and message.ephemeral,
            }
        }
        if message is not None and kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            answer["resource"] = {"type": kind, "message": self._message_payload(message)}
        return answer

    def _check_callback_type(self, interaction: Interaction, kind: Any) -> None:
        allowed = {
            2: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
            MESSAGE_COMPONENT: {
                CHANNEL_MESSAGE,
                DEFERRED_CHANNEL_MESSAGE,
                DEFERRED_UPDATE,
                UPDATE_MESSAGE,
                MODAL,
            },
            AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
            MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE}
            | ({DEFERRED_UPDATE, UPDATE_MESSAGE} if "message" in interaction.payload else set()),
        }[interaction.type]
        if kind not in CALLBACK_TYPES or kind not in allowed:
            errors = FieldErrors()
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid")
            errors.raise_if_any()

    def _interaction_by_token(self, application_id: str, token: str) -> Interaction:
        interaction = self._by_token.get(token)
        if interaction is None or int(application_id) != self.application_id or not interaction.callbacks:
            raise not_found(UNKNOWN_WEBHOOK)
        if time.monotonic() - interaction.created > FOLLOWUP_WINDOW:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    def _webhook_target(self, interaction: Interaction, message_id: str) -> StoredMessage:
        if message_id == "@original":
            target = interaction.response_id
        else:
            target = int(message_id)
            if target not in interaction.followup_ids and target != interaction.response_id:
                raise not_found(UNKNOWN_MESSAGE)
        message = self._messages.get(target) if target is not None else None
        if message is None or message.deleted:
            raise not_found(UNKNOWN_MESSAGE)
        return message

    def _get_webhook_message(self, body: _Body, app: str, token: str, message_id: str) -> dict[str, Any]:
        interaction = self._interaction_by_token(app, token)
        return self._message_payload(self._webhook_target(interaction, message_id))

    def _edit_webhook_message(self, body: _Body, app: str, token: str, message_id: str) -> dict[str, Any]:
        interaction = self._interaction_by_token(app, token)
        message = self._webhook_target(interaction, message_id)
        data = body.value if isinstance(body.value, dict) else {}
        check_message(data, creating=False)
        return self._message_payload(self._edit(message, data))

    def _delete_webhook_message(self, body: _Body, app: str, token: str, message_id: str) -> None:
        interaction = self._interaction_by_token(app, token)
        self._delete(self._webhook_target(interaction, message_id))

    def _followup(self, body: _Body, app: str, token: str) -> dict[str, Any] | None:
        interaction = self._interaction_by_token(app, token)
        data = body.value if isinstance(body.value, dict) else {}
        check_message(data, creating=True)
        original = self._messages.get(interaction.response_id or 0)
        if original is not None and original.flags & LOADING and original.interaction_id == interaction.id:
            # Discord: the first follow-up after a deferred response replaces the "thinking" message.
            original.flags &= ~LOADING
            message = self._edit(original, data)
        else:
            flags = int(data.get("flags") or 0) & (EPHEMERAL | (1 << 12) | (1 << 15))
            message = self._store(interaction.channel_id or 0, data, interaction=interaction, flags=flags)
            interaction.followup_ids.append(message.id)
        if body.query.get("wait") in ("true", "1", "True"):
            return self._message_payload(message)
        return None

    # ------------------------------------------------------------ REST handlers: channels and messages

    def _sendable(self, channel_id: int) -> dict[str, Any]:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise not_found(UNKNOWN_CHANNEL)
        if channel["type"] == DM:
            recipient = int(channel["recipients"][0]["id"])
            person = self._person(recipient)
            if person.dm_blocked:
                raise DiscordError(403, CANNOT_DM_USER)
            return channel
        if channel["type"] == GUILD_FORUM:
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        guild = self._guilds[int(channel["guild_id"])]
        configured = guild.channel(
            int(channel.get("parent_id") or 0) if channel["type"] in (11, 12) else channel_id
        )
        if configured is not None and not configured.bot_can_send:
            raise DiscordError(403, MISSING_PERMISSIONS)
        return channel

    def _create_message(self, body: _Body, channel_id: str) -> dict[str, Any]:
        channel = self._sendable(int(channel_id))
        data = body.value if isinstance(body.value, dict) else {}
        check_message(data, creating=True)
        flags = int(data.get("flags") or 0) & ((1 << 2) | (1 << 12) | (1 << 15))
        message = self._store(int(channel_id), data, flags=flags)
        self._announce("MESSAGE_CREATE", message, channel)
        return self._message_payload(message)

    def _channel_message(self, channel_id: str, message_id: str) -> StoredMessage:
        if int(channel_id) not in self._channels:
            raise not_found(UNKNOWN_CHANNEL)
        message = self._messages.get(int(message_id))
        if message is None or message.channel_id != int(channel_id) or message.deleted or message.ephemeral:
            raise not_found(UNKNOWN_MESSAGE)
        return message

    def _get_message(self, body: _Body, channel_id: str, message_id: str) -> dict[str, Any]:
        return self._message_payload(self._channel_message(channel_id, message_id))

    def _edit_message(self, body: _Body, channel_id: str, message_id: str) -> dict[str, Any]:
        message = self._channel_message(channel_id, message_id)
        if message.author_id != self.bot_user_id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        data = body.value if isinstance(body.value, dict) else {}
        check_message(data, creating=False)
        self._edit(message, data)
        self._announce("MESSAGE_UPDATE", message, self._channels[int(channel_id)])
        return self._message_payload(message)

    def _delete_message(self, body: _Body, channel_id: str, message_id: str) -> None:
        message = self._channel_message(channel_id, message_id)
        self._delete(message)

    def _get_channel(self, body: _Body, channel_id: str) -> dict[str, Any]:
        return self._channel_payload(int(channel_id))

    def _guild_channels(self, body: _Body, guild_id: str) -> list[dict[str, Any]]:
        self._guild(guild_id)
        return [
            copy.deepcopy(c)
            for c in self._channels.values()
            if c.get("guild_id") == guild_id and c["type"] not in (11, 12)
        ]

    def _edit_channel(self, body: _Body, channel_id: str) -> dict[str, Any]:
        channel = self._channels.get(int(channel_id))
        if channel is None or channel["type"] == DM:
            raise not_found(UNKNOWN_CHANNEL)
        data = body.value if isinstance(body.value, dict) else {}
        errors = FieldErrors()
        if "name" in data:
            check_thread_name(data["name"])
            channel["name"] = data["name"]
        if channel["type"] in (11, 12):
            if "applied_tags" in data:
                tags = self._check_tags(errors, int(channel["parent_id"]), data["applied_tags"])
                errors.raise_if_any()
                channel["applied_tags"] = tags
            metadata = channel["thread_metadata"]
            for key in ("archived", "locked", "auto_archive_duration"):
                if key in data:
                    metadata[key] = data[key]
            metadata["archive_timestamp"] = iso()
            event = "THREAD_UPDATE"
        else:
            if "available_tags" in data:
                if channel["type"] != GUILD_FORUM:
                    errors.add(("available_tags",), "CHANNEL_TYPE_INVALID", "Only forum channels have tags")
                tags = data["available_tags"] or []
                errors.max_length(("available_tags",), tags, 20)
                for index, tag in enumerate(tags):
                    errors.length_between(("available_tags", index, "name"), tag.get("name") or "", 1, 20)
                errors.raise_if_any()
                channel["available_tags"] = [self._tag(tag) for tag in tags]
            if "topic" in data:
                channel["topic"] = data["topic"]
            event = "CHANNEL_UPDATE"
        self.gateway.dispatch(
            event, copy.deepcopy(channel), guild_id=int(channel["guild_id"]), intent=INTENT_GUILDS
        )
        return copy.deepcopy(channel)

    def _check_tags(self, errors: FieldErrors, forum_id: int, tags: Any) -> list[str]:
        forum = self._channels.get(forum_id) or {}
        known = {t["id"] for t in forum.get("available_tags") or []}
        tags = [str(t) for t in tags or []]
        errors.max_length(("applied_tags",), tags, 5)
        for index, tag in enumerate(tags):
            if tag not in known:
                errors.add(
                    ("applied_tags", index), "GUILD_FORUM_TAG_INVALID", "Tag is not available in this channel"
                )
        return tags

    def _create_thread(self, body: _Body, channel_id: str, message_id: str | None = None) -> dict[str, Any]:
        parent = self._channels.get(int(channel_id))
        if parent is None or parent["type"] == DM:
            raise not_found(UNKNOWN_CHANNEL)
        data = body.value if isinstance(body.value, dict) else {}
        check_thread_name(data.get("name"))
        guild = self._guilds[int(parent["guild_id"])]
        configured = guild.channel(int(channel_id))
        if configured is not None and not configured.bot_can_send:
            raise DiscordError(403, MISSING_PERMISSIONS)
        errors = FieldErrors()
        forum = parent["type"] == GUILD_FORUM
        starter: dict[str, Any] | None = None
        if forum:
            starter = data.get("message")
            if not isinstance(starter, dict):
                errors.required(("message",))
                errors.raise_if_any()
            assert starter is not None
            check_message(starter, creating=True, prefix=("message",))
        tags = self._check_tags(errors, int(channel_id), data.get("applied_tags")) if forum else []
        errors.raise_if_any()
        if message_id is not None:
            self._channel_message(channel_id, message_id)
        thread_id = int(message_id) if message_id is not None else self._ids.next()
        thread = {
            "id": str(thread_id),
            "guild_id": parent["guild_id"],
            "parent_id": str(channel_id),
            "owner_id": str(self.bot_user_id),
            "name": data["name"],
            "type": int(data.get("type") or PUBLIC_THREAD),
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": int(data.get("rate_limit_per_user") or 0),
            "flags": 0,
            "applied_tags": tags,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": int(data.get("auto_archive_duration") or 4320),
                "archive_timestamp": iso(),
                "locked": False,
                "create_timestamp": iso(),
            },
            "member": {
                "id": str(thread_id),
                "user_id": str(self.bot_user_id),
                "join_timestamp": iso(),
                "flags": 1,
            },
        }
        self._channels[thread_id] = thread
        answer = copy.deepcopy(thread)
        if starter is not None:
            # A forum post's starter message has the thread's id, as on Discord.
            flags = int(starter.get("flags") or 0) & ((1 << 2) | (1 << 12) | (1 << 15))
            message = self._store(thread_id, starter, flags=flags, message_id=thread_id)
            thread.update(last_message_id=str(thread_id), message_count=1, total_message_sent=1)
            answer = copy.deepcopy(thread)
            answer["message"] = self._message_payload(message)
        self.gateway.dispatch(
            "THREAD_CREATE",
            dict(copy.deepcopy(thread), newly_created=True),
            guild_id=guild.id,
            intent=INTENT_GUILDS,
        )
        return answer

    def _get_member(self, body: _Body, guild_id: str, user_id: str) -> dict[str, Any]:
        guild = self._guild(guild_id)
        member = guild.member(int(user_id))
        if member is None:
            raise not_found(UNKNOWN_MEMBER)
        return self._member_payload(guild.id, member)

    def _add_role(self, body: _Body, guild_id: str, user_id: str, role_id: str) -> None:
        guild = self._guild(guild_id)
        member = guild.member(int(user_id))
        if member is None:
            raise not_found(UNKNOWN_MEMBER)
        if not any(r.id == int(role_id) for r in guild.roles):
            raise not_found(10011)
        if int(role_id) not in member.roles:
            member.roles.append(int(role_id))

    def _remove_role(self, body: _Body, guild_id: str, user_id: str, role_id: str) -> None:
        guild = self._guild(guild_id)
        member = guild.member(int(user_id))
        if member is None:
            raise not_found(UNKNOWN_MEMBER)
        if int(role_id) in member.roles:
            member.roles.remove(int(role_id))

    # ------------------------------------------------------------ storing messages

    def _store(
        self,
        channel_id: int,
        data: dict[str, Any],
        *,
        flags: int,
        interaction: Interaction | None = None,
        message_id: int | None = None,
        empty_ok: bool = False,
    ) -> StoredMessage:
        channel = self._channels.get(channel_id) or {}
        guild_id = channel.get("guild_id")
        message = StoredMessage(
            id=message_id or self._ids.next(),
            channel_id=channel_id,
            author_id=self.bot_user_id,
            content=data.get("content") or "",
            embeds=copy.deepcopy(data.get("embeds") or []),
            components=copy.deepcopy(data.get("components") or []),
            allowed_mentions=copy.deepcopy(data.get("allowed_mentions")),
            flags=flags,
            timestamp=iso(),
            interaction_id=None if interaction is None else interaction.id,
            webhook_id=None if interaction is None else self.application_id,
            guild_id=None if guild_id is None else int(guild_id),
            history=[] if empty_ok and not data else [copy.deepcopy(data)],
            attachments=self._take_files(),
        )
        self._messages[message.id] = message
        if channel:
            channel["last_message_id"] = str(message.id)
        return message

    def _edit(self, message: StoredMessage, data: dict[str, Any]) -> StoredMessage:
        if "content" in data:
            message.content = data["content"] or ""
        if "embeds" in data:
            message.embeds = copy.deepcopy(data["embeds"] or [])
        if "components" in data:
            message.components = copy.deepcopy(data["components"] or [])
        if "allowed_mentions" in data:
            message.allowed_mentions = copy.deepcopy(data["allowed_mentions"])
        if "attachments" in data:
            kept = {str(a.get("id")) for a in data["attachments"] or []}
            message.attachments = [a for a in message.attachments if str(a.id) in kept] + self._take_files()
        message.flags &= ~LOADING
        message.edits += 1
        message.edited_timestamp = iso()
        message.history.append(copy.deepcopy(data))
        return message

    def _take_files(self) -> list[Attachment]:
        files, self._pending_files = self._pending_files, []
        for file in files:
            file.id = self._ids.next()
        return files

    def _delete(self, message: StoredMessage) -> None:
        message.deleted = True
        channel = self._channels.get(message.channel_id) or {}
        if not message.ephemeral and channel:
            event = {"id": str(message.id), "channel_id": str(message.channel_id)}
            guild_id = channel.get("guild_id")
            if guild_id is not None:
                event["guild_id"] = guild_id
            self.gateway.dispatch(
                "MESSAGE_DELETE",
                event,
                guild_id=None if guild_id is None else int(guild_id),
                intent=INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES,
            )

    def _announce(self, event: str, message: StoredMessage, channel: dict[str, Any]) -> None:
        guild_id = channel.get("guild_id")
        self.gateway.dispatch(
            event,
            self._message_payload(message),
            guild_id=None if guild_id is None else int(guild_id),
            intent=INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES,
        )

    # ------------------------------------------------------------ reading (thread-safe copies)

    def _copy(self, value: Any) -> Any:
        with self._lock:
            return copy.deepcopy(value)

    @property
    def requests(self) -> list[Request]:
        """Every REST request, in order, with its status (and Discord code when refused)."""
        with self._lock:
            return list(self._requests)

    @property
    def last_error(self) -> Any:
        """The body of the last refused request (status 400 or more, scripted faults aside)."""
        with self._lock:
            return next((r.error for r in reversed(self._requests) if r.error is not None), None)

    def messages(
        self, channel_id: int, *, ephemeral: bool = False, deleted: bool = False
    ) -> list[StoredMessage]:
        """The bot's messages in a channel as they stand now, oldest first (ephemeral ones when asked)."""
        with self._lock:
            found = [
                m
                for m in self._messages.values()
                if m.channel_id == channel_id
                and (ephemeral or not m.ephemeral)
                and (deleted or not m.deleted)
            ]
            return copy.deepcopy(found)

    def message(self, message_id: int) -> StoredMessage:
        with self._lock:
            return copy.deepcopy(self._messages[message_id])

    def all_messages(self) -> list[StoredMessage]:
        """Every message the bot created (responses, follow-ups, channel posts, DMs, thread starters)."""
        with self._lock:
            return copy.deepcopy(list(self._messages.values()))

    def dm_channel_id(self, user_id: int) -> int | None:
        """The id of the bot's DM channel with a member, once the bot opened it."""
        with self._lock:
            return self._dms.get(user_id)

    def dms(self, user_id: int) -> list[StoredMessage]:
        """What the bot sent a member in private."""
        with self._lock:
            channel_id = self._dms.get(user_id)
        return [] if channel_id is None else self.messages(channel_id)

    def threads(self, parent_id: int) -> list[dict[str, Any]]:
        """Threads (forum posts) under a channel, as their channel objects now (name, applied_tags...)."""
        with self._lock:
            found = [
                c
                for c in self._channels.values()
                if c.get("parent_id") == str(parent_id) and c["type"] in (11, 12)
            ]
            return copy.deepcopy(found)

    def channel(self, channel_id: int) -> dict[str, Any]:
        return self._copy(self._channels[channel_id])

    def tag_names(self, thread_id: int) -> list[str]:
        """The names of the forum tags applied to a thread."""
        with self._lock:
            thread = self._channels[thread_id]
            forum = self._channels[int(thread["parent_id"])]
            names = {t["id"]: t["name"] for t in forum.get("available_tags") or []}
            return [names.get(t, f"?{t}") for t in thread.get("applied_tags") or []]

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The application commands the bot registered (globally, or for one guild)."""
        return self._copy(self._commands.get(guild_id, []))

    def interaction(self, interaction_id: int) -> Interaction:
        with self._lock:
            return self._interactions[interaction_id]

    def sessions(self) -> list[Session]:
        """Gateway sessions with a live socket."""
        return self.gateway.live_sessions()

    def reconnect(self) -> int:
        """Ask every connected client to reconnect (op 7); they RESUME their sessions."""
        return self.gateway.reconnect()

    # ------------------------------------------------------------ waiting

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01
    ) -> Any:
        """Wait (in an event loop) until predicate() is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last requests: {self._tail()}")
            await asyncio.sleep(interval)
        return value

    def wait_for_sync(
        self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02
    ) -> Any:
        """Wait from a test thread (never from the fake's own loop) until predicate() is truthy."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and running is self._loop:
            raise RuntimeError("wait_for_sync would block the fake's own event loop; use wait_for")
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last requests: {self._tail()}")
            time.sleep(interval)
        return value

    def _tail(self) -> list[str]:
        return [f"{r.route} {r.status} {r.code or ''}".strip() for r in self.requests[-6:]]


def _json_response(body: Any, status: int, headers: dict[str, str]) -> web.Response:
    # Exactly "application/json", no charset: discord.py parses a body as JSON only then.
    response = web.Response(body=json.dumps(body).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


class _Body:
    """A request's JSON body and query string."""

    def __init__(self, value: Any, query: Any) -> None:
        self.value = value
        self.query = query

    def get(self, key: str, default: Any = None) -> Any:
        return self.value.get(key, default) if isinstance(self.value, dict) else default
