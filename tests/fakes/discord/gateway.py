"""The gateway websocket: HELLO, IDENTIFY → READY and GUILD_CREATE, heartbeats,
RESUME with the events missed replayed, RECONNECT, and dispatching events to
the session (shard) that owns a guild, as Discord does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.api import PRIVILEGED_INTENTS

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11

# Close codes.
AUTHENTICATION_FAILED, INVALID_SHARD, DISALLOWED_INTENTS, NOT_AUTHENTICATED = 4004, 4010, 4014, 4003


@dataclass
class Session:
    """One identified session: its shard, intents, and every event sent (for RESUME)."""

    id: str
    shard: tuple[int, int]
    intents: int
    identify: dict[str, Any]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    outbox: asyncio.Queue[dict[str, Any] | None] | None = None  # the connected socket's, if any
    resumes: int = 0

    def owns(self, guild_id: int | None) -> bool:
        shard_id, count = self.shard
        return (0 if guild_id is None else (guild_id >> 22) % count) == shard_id


class Gateway:
    """Serves ``/gateway``; ``hello`` builds READY's user/application, ``guilds_for`` the GUILD_CREATEs."""

    def __init__(
        self,
        token: str,
        *,
        ready: Callable[[Session], dict[str, Any]],
        guilds_for: Callable[[Session], list[dict[str, Any]]],
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int = 41_250,
        allowed_intents: int = 0,
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_delay = 0.05
        #: False: new websocket connections are refused (503), as during an outage; see ``disconnect``.
        self.accepting = True
        self.allowed_intents = allowed_intents
        self._ready = ready
        self._guilds_for = guilds_for
        self._resume_url = resume_url
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.sessions: dict[str, Session] = {}
        self.sockets: set[web.WebSocketResponse] = set()
        self.received: list[dict[str, Any]] = []  # every payload the client sent (tokens masked)
        self.closes: list[int] = []  # close codes the fake sent

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # ------------------------------------------------------------ the websocket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self.accepting:
            return web.Response(status=503, text="upstream connect error")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self.sockets.add(ws)
        outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        writer = asyncio.create_task(self._write(ws, outbox))
        session: Session | None = None
        outbox.put_nowait({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                self._remember(payload)
                op = payload.get("op")
                if op == HEARTBEAT:
                    # Acknowledged after a network-like delay: an instant ACK can overtake
                    # discord.py's own bookkeeping of the send and make it warn of a late one.
                    loop = asyncio.get_running_loop()
                    loop.call_later(self.ack_delay, outbox.put_nowait, {"op": HEARTBEAT_ACK})
                elif op == IDENTIFY:
                    session = self._identify(payload.get("d") or {}, outbox)
                    if session is None:
                        break
                elif op == RESUME:
                    session = self._resume(payload.get("d") or {}, outbox)
                elif session is None and op not in (PRESENCE, REQUEST_MEMBERS):
                    outbox.put_nowait({"close": NOT_AUTHENTICATED})
                    break
        finally:
            with self._lock:
                if session is not None and session.outbox is outbox:
                    session.outbox = None
            outbox.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(writer, 5)
            self.sockets.discard(ws)
        return ws

    async def _write(self, ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any] | None]) -> None:
        while (payload := await outbox.get()) is not None:
            if "close" in payload:
                self.closes.append(payload["close"])
                await ws.close(code=payload["close"])
                return
            if ws.closed:
                return
            await ws.send_str(json.dumps(payload))

    def _remember(self, payload: dict[str, Any]) -> None:
        shown = json.loads(json.dumps(payload))
        if isinstance(shown.get("d"), dict) and "token" in shown["d"]:
            shown["d"]["token"] = "***" if shown["d"]["token"] == self.token else "(wrong)"
        with self._lock:
            self.received.append(shown)

    def _identify(self, data: dict[str, Any], outbox: asyncio.Queue[dict[str, Any] | None]) -> Session | None:
        intents = int(data.get("intents") or 0)
        shard_id, count = data.get("shard") or (0, 1)
        if data.get("token") != self.token:
            outbox.put_nowait({"close": AUTHENTICATION_FAILED})
            return None
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            outbox.put_nowait({"close": DISALLOWED_INTENTS})
            return None
        if not (count >= 1 and 0 <= shard_id < count):
            outbox.put_nowait({"close": INVALID_SHARD})
            return None
        session = Session(secrets.token_hex(16), (int(shard_id), int(count)), intents, data)
        with self._lock:
            self.sessions[session.id] = session
            session.outbox = outbox
            ready = self._ready(session)
            ready.update(
                session_id=session.id,
                resume_gateway_url=self._resume_url(),
                shard=[session.shard[0], session.shard[1]],
            )
            guilds = self._guilds_for(session)
            ready["guilds"] = [{"id": g["id"], "unavailable": True} for g in guilds]
            self._send(session, "READY", ready)
            for guild in guilds:
                self._send(session, "GUILD_CREATE", guild)
        return session

    def _resume(self, data: dict[str, Any], outbox: asyncio.Queue[dict[str, Any] | None]) -> Session | None:
        with self._lock:
            session = self.sessions.get(str(data.get("session_id")))
            if session is None or data.get("token") != self.token:
                outbox.put_nowait({"op": INVALID_SESSION, "d": False})
                return None
            if session.outbox is not None and session.outbox is not outbox:
                session.outbox.put_nowait({"close": 4000})
            session.outbox = outbox
            session.resumes += 1
            after = int(data.get("seq") or 0)
            for payload in session.log:
                if payload["s"] > after:
                    outbox.put_nowait(payload)
            session.seq += 1
            resumed = {"op": DISPATCH, "t": "RESUMED", "s": session.seq, "d": {}}
            session.log.append(resumed)
            outbox.put_nowait(resumed)
            return session

    def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        """Under the lock: number the event, keep it for RESUME, queue it on the live socket."""
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.log.append(payload)
        if session.outbox is not None:
            outbox = session.outbox
            if self._in_loop():
                outbox.put_nowait(payload)
            else:
                assert self._loop is not None
                self._loop.call_soon_threadsafe(outbox.put_nowait, payload)

    def _in_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    # ------------------------------------------------------------ for the fake and the tests

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None, intent: int | None
    ) -> list[Session]:
        """Send an event to every session that owns the guild and asked for the intent (None: events
        every session gets, such as INTERACTION_CREATE); returns the sessions whose live socket it
        went to (a session whose socket is gone keeps the event for its RESUME)."""
        sent: list[Session] = []
        with self._lock:
            for session in self.sessions.values():
                if session.owns(guild_id) and (intent is None or session.intents & intent):
                    if session.outbox is not None:
                        sent.append(session)
                    self._send(session, event, data)
        return sent

    def live_sessions(self) -> list[Session]:
        with self._lock:
            return [s for s in self.sessions.values() if s.outbox is not None]

    def reconnect(self) -> int:
        """Send op 7 RECONNECT on every live socket (the client closes and RESUMEs); returns how many."""
        with self._lock:
            live = self.live_sessions()
            for session in live:
                assert session.outbox is not None
                outbox = session.outbox
                if self._in_loop():
                    outbox.put_nowait({"op": RECONNECT, "d": None})
                else:
                    assert self._loop is not None
                    self._loop.call_soon_threadsafe(outbox.put_nowait, {"op": RECONNECT, "d": None})
            return len(live)

    def disconnect(self) -> int:
        """Drop every live socket with 4000 (resumable): clients RESUME when they can connect again."""
        with self._lock:
            live = self.live_sessions()
            for session in live:
                assert session.outbox is not None and self._loop is not None
                self._loop.call_soon_threadsafe(session.outbox.put_nowait, {"close": 4000})
            return len(live)

    async def close_all(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
