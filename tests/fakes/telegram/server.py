"""The fake Bot API server: HTTP on loopback, Telegram's methods with its checks
and limits, long polling and webhooks, and what a test reads back."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import itertools
import json
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from tests.fakes.telegram.api import (
    _COMMAND_RE,
    _TOKEN_RE,
    BAD_MARKUP,
    BUTTON_ACTIONS,
    DEFAULT_TOKEN,
    DEFAULT_UPDATES,
    EDITS,
    MAX_CALLBACK_ANSWER,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    READS,
    SENDS,
    ApiError,
    _inline,
    bad_request,
)
from tests.fakes.telegram.html import EntityParseError, _trim, parse_html, utf16_len
from tests.fakes.telegram.records import (
    Call,
    CallbackAnswer,
    FaultRecord,
    Faults,
    InlineAnswer,
    RateLimitRecord,
    RateLimits,
    StoredMessage,
    UploadedFile,
)
from tests.fakes.telegram.users import SimulatedUsers

T = TypeVar("T")


class _Params:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, error: str | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(error or f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        return self.raw.get(name) in (True, 1, "true", "True", "1")

    def parsed(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value


def _lane(update: dict[str, Any]) -> int:
    """The chat an update belongs to (the person, for inline queries), whose
    updates a webhook receives one after the other."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict):
            return int(chat["id"])
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict):
            return int(sender["id"])
    return 0


# ---------------------------------------------------------------- the server


class FakeTelegram(SimulatedUsers):
    """One bot's Bot API on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "possibles_test_bot",
        bot_first_name: str = "Possibles",
        rate_limits: RateLimits | None = None,
        faults: Faults | None = None,
        callback_query_timeout: float = 15.0,
        first_update_id: int = 1,
        port: int = 0,
        webhook_retry_delay: float = 0.5,
    ) -> None:
        match = _TOKEN_RE.match(token)
        if not match:
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(match.group(1)),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.rate_limits = rate_limits or RateLimits()
        self.callback_query_timeout = callback_query_timeout
        self.webhook_retry_delay = webhook_retry_delay
        self._requested_port = port
        self.port = 0
        self._lock = threading.RLock()
        self._faults = faults or Faults()
        self._rng = random.Random(self._faults.seed)
        self._scripted: deque[tuple[str, str | None]] = deque()
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], StoredMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(first_update_id)
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self._poll_generation = 0
        self._queries: dict[str, tuple[str, float, bool]] = {}  # id -> (kind, created, answered)
        self._query_ids = itertools.count(4_611_686_018_427_387_904 + 17)
        self._files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._file_ids = itertools.count(1)
        self._webhook: dict[str, Any] = {"url": ""}
        self._window_overall: deque[float] = deque()
        self._window_chat: dict[int, deque[float]] = {}
        self._requests: list[Call] = []
        self._sent_log: list[Call] = []
        self._callback_answers: dict[str, CallbackAnswer] = {}
        self._inline_answers: dict[str, InlineAnswer] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._rate_limited: list[RateLimitRecord] = []
        self._faults_log: list[FaultRecord] = []
        self._webhook_deliveries: list[tuple[int, int | None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._wake_event: asyncio.Event | None = None
        self._closing: asyncio.Event | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getme": lambda p: dict(
                self.bot_user,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=True,
                can_connect_to_business=False,
                has_main_web_app=False,
            ),
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getchat": self._get_chat,
            "getfile": self._get_file,
            "sendchataction": lambda p: self._chat(p, sending=True) and True,
        }

    # ------------------------------------------------------------ URLs and lifecycle

    @property
    def base_url(self) -> str:
        """For telegram.Bot(base_url=...): the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{self.token}"

    def env(self) -> dict[str, str]:
        """Environment for a `possibles run` subprocess that should talk to this fake."""
        return {"POSSIBLES_TELEGRAM__TOKEN": self.token, "POSSIBLES_TELEGRAM__API_BASE_URL": self.base_url}

    async def start(self) -> str:
        """Serve in the running event loop; returns base_url."""
        self._loop = asyncio.get_running_loop()
        self._wake_event = asyncio.Event()
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._http)
        app.router.add_get("/file/bot{token}/{path:.+}", self._http_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._requested_port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._webhook_task = asyncio.create_task(self._webhook_loop())
        return self.base_url

    async def stop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeTelegram:
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

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self.base_url

    def run_coroutine(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coroutine`` in the fake's own loop (started with ``start_in_thread``),
        from another thread: users acting at precise moments without a thread hop each."""
        assert self._loop is not None, "start_in_thread() first"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def stop_thread(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeTelegram:
        self.start_in_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()

    # ------------------------------------------------------------ HTTP

    async def _http(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        if not _TOKEN_RE.match(token):
            return self._json(ApiError(404, "Not Found").body(), 404)
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").body(), 401)
        name = method.lower()
        if name not in self._handlers and name != "getupdates":
            return self._json(ApiError(404, "Not Found").body(), 404)
        try:
            raw = await self._read_params(request)
        except ApiError as exc:
            return self._json(exc.body(), exc.code)
        params = _Params(raw)
        chat_id = self._quiet_int(raw.get("chat_id"))
        fault = self._draw_fault(name, method, chat_id)
        if fault in ("429", "500", "502", "drop"):
            self._log(
                Call(
                    method, raw, time.time(), 0 if fault == "drop" else int(fault), f"fault {fault}", chat_id
                )
            )
            return self._fault_response(request, fault)
        try:
            if name == "getupdates":
                result: Any = await self._get_updates(params)
            else:
                with self._lock:
                    result = self._handlers[name](params)
        except ApiError as exc:
            self._log(Call(method, raw, time.time(), exc.code, exc.description, chat_id))
            return self._json(exc.body(), exc.code)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        call = Call(method, raw, time.time(), 200, None, chat_id, message_id)
        self._log(call, accepted=name not in READS)
        body: dict[str, Any] = {"ok": True, "result": result}
        if name in ("setwebhook", "deletewebhook"):
            body["description"] = self._webhook_description
        if fault == "timeout":
            with self._lock:
                self._faults_log.append(FaultRecord("timeout", method, chat_id, time.time(), message_id))
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._faults.timeout_delay)
        return self._json(body, 200)

    async def _http_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").body(), 401)
        with self._lock:
            for info, data in self._files.values():
                if info.get("file_path") == request.match_info["path"]:
                    return web.Response(body=data, content_type="application/octet-stream")
        return self._json(ApiError(404, "Not Found").body(), 404)

    @staticmethod
    def _json(body: dict[str, Any], status: int) -> web.Response:
        return web.Response(
            text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
        )

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request parameters") from None
            if not isinstance(body, dict):
                raise bad_request("parameters must be a JSON object")
            params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    params[key] = UploadedFile(value.filename, value.content_type, data)
                else:
                    params[key] = value
        for key, value in list(params.items()):  # "attach://name" points at a multipart part
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in params:
                params[key] = params[value[9:]]
        return params

    @staticmethod
    def _quiet_int(value: Any) -> int | None:
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def _fault_response(self, request: web.Request, fault: str) -> web.StreamResponse:
        if fault == "429":
            after = self._faults.retry_after
            return self._json(
                ApiError(429, f"Too Many Requests: retry after {after}", retry_after=after).body(), 429
            )
        if fault == "500":
            return self._json(ApiError(500, "Internal Server Error").body(), 500)
        if fault == "502":
            html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            html += "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
            html += "</body>\r\n</html>\r\n"
            return web.Response(text=html, status=502, content_type="text/html")
        if request.transport is not None:  # "drop": the connection dies before any answer
            request.transport.abort()
        raise asyncio.CancelledError  # aiohttp ends this request without writing anything

    def _log(self, call: Call, *, accepted: bool = False) -> None:
        with self._lock:
            self._requests.append(call)
            if accepted:
                self._sent_log.append(call)

    def _draw_fault(self, name: str, method: str, chat_id: int | None) -> str | None:
        with self._lock:
            for index, (scripted, only) in enumerate(self._scripted):
                if only == name or (only is None and name in {m.lower() for m in self._faults.methods}):
                    del self._scripted[index]
                    kind = scripted
                    break
            else:
                faults = self._faults
                methods = {m.lower() for m in faults.methods}
                if name not in methods or faults.rate <= 0 or self._rng.random() >= faults.rate:
                    return None
                kind = self._rng.choice(faults.kinds)
            if kind != "timeout":
                self._faults_log.append(FaultRecord(kind, method, chat_id, time.time()))
            if kind == "429":
                after = self._faults.retry_after
                self._rate_limited.append(
                    RateLimitRecord(method, chat_id or 0, "injected", after, time.time())
                )
            return kind

    # ------------------------------------------------------------ waking long polls and the webhook

    def _wake(self) -> None:
        """Wake every long poll and the webhook loop; callable from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake_now()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_now)

    def _wake_now(self) -> None:
        if self._wake_event is not None:
            self._wake_event.set()
            self._wake_event = asyncio.Event()

    async def _get_updates(self, p: _Params) -> list[dict[str, Any]]:
        offset = p.integer("offset")
        limit = min(100, max(1, p.integer("limit") or 100))
        timeout = max(0.0, float(p.raw.get("timeout") or 0))
        allowed = p.parsed("allowed_updates", "can't parse allowed updates")
        with self._lock:
            if self._webhook["url"]:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if allowed is not None:
                self._allowed_updates = frozenset(allowed) or DEFAULT_UPDATES
            if offset is not None and offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset is not None and offset < 0:
                self._updates = self._updates[offset:]
            self._poll_generation += 1
            generation = self._poll_generation
        self._wake_now()  # an older poll still waiting is now terminated
        deadline = time.monotonic() + timeout
        assert self._closing is not None
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                batch = copy.deepcopy(self._updates[:limit])
                event = self._wake_event
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing.is_set() or event is None:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _webhook_loop(self) -> None:
        """Deliver pending updates to the webhook: up to its ``max_connections``
        requests at once, one chat's updates one after the other and in order
        (a chat waits while its update is in flight or being retried; other
        chats go on)."""
        assert self._closing is not None
        busy: set[int] = set()  # lanes with an update in flight or waiting to be retried
        deliveries: set[asyncio.Task[None]] = set()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            try:
                while not self._closing.is_set():
                    with self._lock:
                        url, secret = self._webhook["url"], self._webhook.get("secret_token")
                        room = int(self._webhook.get("max_connections") or 40) - len(deliveries)
                        chosen: list[tuple[int, dict[str, Any]]] = []
                        passed: set[int] = set()  # lanes with an earlier update not chosen
                        for update in self._updates if url else ():
                            if len(chosen) >= room:
                                break
                            lane = _lane(update)
                            if lane in busy or lane in passed:
                                passed.add(lane)
                                continue
                            busy.add(lane)
                            passed.add(lane)
                            chosen.append((lane, copy.deepcopy(update)))
                        event = self._wake_event
                    for lane, update in chosen:
                        task = asyncio.create_task(self._deliver(session, url, secret, update, lane, busy))
                        deliveries.add(task)
                        task.add_done_callback(deliveries.discard)
                    if not chosen:
                        assert event is not None
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(event.wait(), 1.0)
            finally:
                for task in list(deliveries):
                    task.cancel()
                await asyncio.gather(*deliveries, return_exceptions=True)

    async def _deliver(
        self,
        session: aiohttp.ClientSession,
        url: str,
        secret: str | None,
        update: dict[str, Any],
        lane: int,
        busy: set[int],
    ) -> None:
        """POST one update; on success it is no longer pending, otherwise its
        chat waits ``webhook_retry_delay`` before it is tried again."""
        assert self._closing is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        status: int | None = None
        try:
            try:
                timeout = aiohttp.ClientTimeout(total=10)
                async with session.post(url, json=update, headers=headers, timeout=timeout) as response:
                    status = response.status
                    error = f"Wrong response from the webhook: {status} {response.reason or ''}".strip()
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
            with self._lock:
                self._webhook_deliveries.append((update["update_id"], status))
                delivered = status is not None and 200 <= status < 300
                if delivered:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                else:
                    self._webhook.update(last_error_date=int(time.time()), last_error_message=error)
            if not delivered:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self.webhook_retry_delay)
        finally:
            busy.discard(lane)
            self._wake_now()

    # ------------------------------------------------------------ validation helpers

    def _chat(self, p: _Params, *, sending: bool = False) -> dict[str, Any]:
        value = p.raw.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        chat_id = self._quiet_int(value)
        if chat_id is None and isinstance(value, str) and value.startswith("@"):
            chat_id = next((c["id"] for c in self._chats.values() if c.get("username") == value[1:]), None)
        if chat_id is None or chat_id not in self._chats:
            raise bad_request("chat not found")
        if sending and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self._chats[chat_id]

    def _format(
        self, text: str | None, parse_mode: str | None, entities: Any, *, caption: bool = False
    ) -> tuple[str, list[dict[str, Any]]]:
        if not text:
            if caption:
                return "", []
            raise bad_request("message text is empty")
        mode = (parse_mode or "").lower()
        if mode == "html":
            try:
                text, parsed = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):
            parsed = list(entities) if isinstance(entities, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        text, parsed = _trim(text, parsed)
        if not text and not caption:
            raise bad_request("message text is empty")
        limit = MAX_CAPTION if caption else MAX_TEXT
        if utf16_len(text) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return text, parsed

    @staticmethod
    def _markup(p: _Params) -> dict[str, Any] | None:
        markup = p.parsed("reply_markup", "can't parse reply keyboard markup JSON object")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, BAD_MARKUP)
        if "inline_keyboard" not in markup:
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            if not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            if not any(key in button for key in BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
                    raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return markup

    def _check_rate(self, name: str, method: str, chat_id: int) -> None:
        limits = self.rate_limits
        if not limits.enabled or not (name in SENDS or (limits.count_edits and name in EDITS)):
            return
        now = time.monotonic()
        chat_window = self._window_chat.setdefault(chat_id, deque())
        chat_scope, chat_limit = (
            ("group", limits.per_group) if chat_id < 0 else ("chat", limits.per_private_chat)
        )
        for scope, window, (count, period) in (
            ("overall", self._window_overall, limits.overall),
            (chat_scope, chat_window, chat_limit),
        ):
            while window and window[0] <= now - period:
                window.popleft()
            if len(window) >= count:
                after = max(1, math.ceil(window[len(window) - count] + period - now))
                self._rate_limited.append(RateLimitRecord(method, chat_id, scope, after, time.time()))
                raise ApiError(429, f"Too Many Requests: retry after {after}", retry_after=after)
        self._window_overall.append(now)
        chat_window.append(now)

    def _new_message(self, chat_id: int, *, from_bot: bool, sender_id: int) -> StoredMessage:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = StoredMessage(chat_id, message_id, int(time.time()), from_bot, sender_id)
        self._messages[(chat_id, message_id)] = message
        return message

    def _message_json(self, m: StoredMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": m.message_id,
            "from": dict(self.bot_user) if m.from_bot else dict(self._users[m.sender_id]),
            "chat": dict(self._chats[m.chat_id]),
            "date": m.date,
        }
        if m.edit_date:
            body["edit_date"] = m.edit_date
        if m.document is not None:
            body["document"] = dict(m.document)
            if m.caption:
                body["caption"] = m.caption
                if m.entities:
                    body["caption_entities"] = copy.deepcopy(m.entities)
        elif m.text is not None:
            body["text"] = m.text
            if m.entities:
                body["entities"] = copy.deepcopy(m.entities)
        if _inline(m.reply_markup):
            body["reply_markup"] = copy.deepcopy(m.reply_markup)
        return body

    def _editable(self, p: _Params) -> StoredMessage | None:
        """The message an edit targets, or None for an inline message (accepted, nothing stored)."""
        if p.raw.get("inline_message_id"):
            return None
        chat = self._chat(p, sending=True)
        message_id = p.integer("message_id", "message identifier is not specified")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._messages.get((chat["id"], message_id))
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    # ------------------------------------------------------------ methods

    def _send_message(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p, sending=True)
        text, entities = self._format(
            p.text("text"), p.text("parse_mode"), p.parsed("entities", "can't parse entities")
        )
        markup = self._markup(p)
        reply = p.parsed("reply_parameters", "can't parse reply parameters") or {}
        replied = (chat["id"], int(reply.get("message_id") or 0))
        if (
            reply.get("message_id")
            and replied not in self._messages
            and not reply.get("allow_sending_without_reply")
        ):
            raise bad_request("message to be replied not found")
        self._check_rate("sendmessage", "sendMessage", chat["id"])
        message = self._new_message(chat["id"], from_bot=True, sender_id=self.bot_user["id"])
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.parse_mode, message.source = p.text("parse_mode"), p.text("text")
        return self._message_json(message)

    def _send_document(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p, sending=True)
        document = p.raw.get("document")
        if document is None or document == "":
            raise bad_request("there is no document in the request")
        caption, entities = self._format(
            p.text("caption"),
            p.text("parse_mode"),
            p.parsed("caption_entities", "can't parse entities"),
            caption=True,
        )
        markup = self._markup(p)
        if isinstance(document, UploadedFile):
            info, _ = self._store_file(document.filename, document.content_type, document.data)
        elif str(document) in self._files:
            info, _ = self._files[str(document)]
        elif str(document).startswith(("http://", "https://")):
            info, _ = self._store_file(
                str(document).rsplit("/", 1)[-1] or "file", "application/octet-stream", b""
            )
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        self._check_rate("senddocument", "sendDocument", chat["id"])
        message = self._new_message(chat["id"], from_bot=True, sender_id=self.bot_user["id"])
        message.document = {k: v for k, v in info.items() if k != "file_path"}
        message.caption, message.entities, message.reply_markup = caption or None, entities, markup
        message.parse_mode, message.source = p.text("parse_mode"), p.text("caption")
        return self._message_json(message)

    def _store_file(self, name: str, content_type: str, data: bytes) -> tuple[dict[str, Any], bytes]:
        number = next(self._file_ids)
        file_id = f"BQACAgQAAxkDAAI{number:06d}fake"
        info = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:06d}",
            "file_name": name,
            "mime_type": content_type,
            "file_size": len(data),
            "file_path": f"documents/file_{number}_{name}",
        }
        self._files[file_id] = (info, data)
        return info, data

    def _edit_message_text(self, p: _Params) -> Any:
        message = self._editable(p)
        text, entities = self._format(
            p.text("text"), p.text("parse_mode"), p.parsed("entities", "can't parse entities")
        )
        markup = self._markup(p)
        if message is None:
            return True
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if (message.text, message.entities, _inline(message.reply_markup)) == (
            text,
            entities,
            _inline(markup),
        ):
            raise ApiError(400, NOT_MODIFIED)
        self._check_rate("editmessagetext", "editMessageText", message.chat_id)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.parse_mode, message.source = p.text("parse_mode"), p.text("text")
        message.edit_date, message.edits = int(time.time()), message.edits + 1
        return self._message_json(message)

    def _edit_reply_markup(self, p: _Params) -> Any:
        message = self._editable(p)
        markup = self._markup(p)
        if message is None:
            return True
        if _inline(message.reply_markup) == _inline(markup):
            raise ApiError(400, NOT_MODIFIED)
        self._check_rate("editmessagereplymarkup", "editMessageReplyMarkup", message.chat_id)
        message.reply_markup = markup
        message.edit_date, message.edits = int(time.time()), message.edits + 1
        return self._message_json(message)

    def _delete_message(self, p: _Params) -> bool:
        chat = self._chat(p)
        message = self._messages.get((chat["id"], p.integer("message_id") or 0))
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        return True

    def _answer_query(self, query_id: str | None, kind: str) -> None:
        entry = self._queries.get(query_id or "")
        if entry is None or entry[0] != kind or entry[2]:
            raise ApiError(400, QUERY_TOO_OLD)
        if time.monotonic() - entry[1] > self.callback_query_timeout:
            raise ApiError(400, QUERY_TOO_OLD)
        self._queries[query_id or ""] = (kind, entry[1], True)

    def _answer_callback_query(self, p: _Params) -> bool:
        query_id, text = p.text("callback_query_id"), p.text("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self._answer_query(query_id, "callback_query")
        assert query_id is not None
        answer = CallbackAnswer(
            query_id, text, p.flag("show_alert"), p.text("url"), p.integer("cache_time") or 0, time.time()
        )
        self._callback_answers[query_id] = answer
        return True

    def _answer_inline_query(self, p: _Params) -> bool:
        query_id = p.text("inline_query_id")
        results = p.parsed("results", "can't parse inline query results JSON object")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id") for r in results if isinstance(r, dict)]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        self._answer_query(query_id, "inline_query")
        assert query_id is not None
        self._inline_answers[query_id] = InlineAnswer(
            query_id,
            results,
            p.integer("cache_time") or 300,
            p.flag("is_personal"),
            p.text("next_offset") or "",
            time.time(),
        )
        return True

    @staticmethod
    def _scope_key(p: _Params) -> tuple[str, str]:
        scope = p.parsed("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
        key = "default" if scope == {"type": "default"} else json.dumps(scope, sort_keys=True)
        return key, p.text("language_code") or ""

    def _set_my_commands(self, p: _Params) -> bool:
        commands = p.parsed("commands", "can't parse commands JSON object") or []
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict) or "description" not in command:
                raise bad_request("can't parse BotCommand: Can't find field \"description\"")
            if not _COMMAND_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not str(command["description"]).strip():
                raise bad_request("command description must be non-empty")
            if len(str(command["description"])) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._scope_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._scope_key(p), []))

    def _delete_my_commands(self, p: _Params) -> bool:
        self._commands.pop(self._scope_key(p), None)
        return True

    def _set_webhook(self, p: _Params) -> bool:
        url = p.text("url") or ""
        if not url:
            return self._delete_webhook(p)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_description = (
            "Webhook is already set" if self._webhook["url"] == url else "Webhook was set"
        )
        allowed = p.parsed("allowed_updates", "can't parse allowed updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_UPDATES
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {
            "url": url,
            "secret_token": p.text("secret_token"),
            "max_connections": p.integer("max_connections") or 40,
        }
        self._wake()
        return True

    def _delete_webhook(self, p: _Params) -> bool:
        was = self._webhook["url"]
        self._webhook_description = "Webhook was deleted" if was else "Webhook is already deleted"
        self._webhook = {"url": ""}
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    _webhook_description = "Webhook is already deleted"

    def _get_webhook_info(self, p: _Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook["url"]:
            info["max_connections"] = self._webhook["max_connections"]
            info["ip_address"] = "127.0.0.1"
            info["allowed_updates"] = sorted(self._allowed_updates)
            for key in ("last_error_date", "last_error_message"):
                if key in self._webhook:
                    info[key] = self._webhook[key]
        return info

    def _get_chat(self, p: _Params) -> dict[str, Any]:
        chat = dict(self._chat(p))
        gifts = {
            k: False for k in ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        }
        gifts["gifts_from_channels"] = False
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _get_file(self, p: _Params) -> dict[str, Any]:
        entry = self._files.get(p.text("file_id") or "")
        if entry is None:
            raise bad_request("invalid file_id")
        info = entry[0]
        return {k: info[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    # ------------------------------------------------------------ test controls and reading

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)

    def fail_next(self, kind: str, method: str | None = None, count: int = 1) -> None:
        """Script faults: the next `count` calls (of `method`, or any faultable call) get `kind`."""
        if kind not in ("429", "500", "502", "drop", "timeout"):
            raise ValueError(kind)
        with self._lock:
            self._scripted.extend([(kind, method.lower() if method else None)] * count)

    def expire_queries(self) -> None:
        """Make every pending callback/inline query too old to answer."""
        with self._lock:
            for key, (kind, _created, answered) in self._queries.items():
                self._queries[key] = (kind, -1e9, answered)

    def messages(self, chat_id: int, *, include_users: bool = False) -> list[StoredMessage]:
        """The bot's messages in a chat (deleted ones flagged), oldest first; copies."""
        with self._lock:
            found = [m for (c, _), m in sorted(self._messages.items()) if c == chat_id]
            return [copy.deepcopy(m) for m in found if include_users or m.from_bot]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        with self._lock:
            return copy.deepcopy(self._messages[(chat_id, message_id)])

    def texts(self, chat_id: int) -> list[str]:
        """Texts (or captions) of the bot's live messages in a chat, oldest first."""
        return [m.text or m.caption or "" for m in self.messages(chat_id) if not m.deleted]

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._updates)

    def _copy(self, value: Any) -> Any:
        with self._lock:
            return copy.deepcopy(value)

    @property
    def sent_log(self) -> list[Call]:
        return list(self._copy(self._sent_log))

    def sent_since(self, start: int) -> list[Call]:
        """The accepted write calls from the ``start``-th on (cheap to poll while thousands arrive)."""
        with self._lock:
            return copy.deepcopy(self._sent_log[start:])

    @property
    def requests(self) -> list[Call]:
        return list(self._copy(self._requests))

    @property
    def callback_answers(self) -> dict[str, CallbackAnswer]:
        return dict(self._copy(self._callback_answers))

    @property
    def inline_answers(self) -> dict[str, InlineAnswer]:
        return dict(self._copy(self._inline_answers))

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """setMyCommands lists by (scope, language_code); scope "default" or its JSON."""
        return dict(self._copy(self._commands))

    def commands_for(self, language_code: str = "", scope: str = "default") -> list[str]:
        return [c["command"] for c in self.commands.get((scope, language_code), [])]

    @property
    def rate_limited(self) -> list[RateLimitRecord]:
        return list(self._copy(self._rate_limited))

    @property
    def faults_log(self) -> list[FaultRecord]:
        return list(self._copy(self._faults_log))

    @property
    def webhook_deliveries(self) -> list[tuple[int, int | None]]:
        """Every webhook POST: (update_id, HTTP status, or None when the connection failed)."""
        return list(self._copy(self._webhook_deliveries))

    @property
    def webhook(self) -> dict[str, Any]:
        return dict(self._copy(self._webhook))

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01
    ) -> Any:
        """Wait (in the event loop) until predicate() is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; last requests: {self._tail()}")
            await asyncio.sleep(interval)
        return value

    def wait_for_sync(
        self, predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02
    ) -> Any:
        """Wait from a test thread (never from the server's own loop) until predicate() is truthy."""
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
        return [f"{c.method} {c.status} {c.description or ''}".strip() for c in self.requests[-5:]]
