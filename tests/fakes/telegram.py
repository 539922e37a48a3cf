"""A fake Telegram Bot API server for the tests, on loopback, speaking real HTTP.

The real python-telegram-bot (or any client) talks to it exactly as it would to
api.telegram.org; the fake enforces what Telegram enforces (HTML entity parsing,
4096-character texts, 64-byte callback data, "message is not modified", flood
limits with 429 + retry_after, blocked users) with Telegram's own error texts,
and lets a test act as users and read what the bot did.

In a test's event loop::

    async with FakeTelegram() as tg:
        bot = telegram.Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
        async with bot:
            tg.user_sends(42, "/start")            # a private chat with user 42
            (update,) = await bot.get_updates()
            await bot.send_message(42, "<b>Hi</b>", parse_mode="HTML")
            assert tg.messages(42)[-1].text == "Hi"

Against a whole ``possibles run`` subprocess (the server runs in its own thread;
every accessor is thread-safe)::

    with FakeTelegramThread() as tg:             # or tg.start_in_thread() / tg.stop_thread()
        proc = subprocess.Popen([...], env={**os.environ, **tg.env()})
        tg.user_sends(42, "/start")
        tg.wait_for_sync(lambda: tg.messages(42), timeout=10)

Acting as users: ``user_sends``, ``user_presses`` (returns the callback query id),
``user_inline_query``, ``user_chooses_inline_result``, ``block``/``unblock``.
Reading: ``messages(chat_id)`` (current state after edits, deleted ones flagged),
``sent_log`` (every accepted write call, in order), ``requests`` (every request and
its outcome), ``callback_answers``, ``inline_answers``, ``commands``, ``rate_limited``
(every 429 given), ``faults_log``; waiting: ``await tg.wait_for(pred)`` and
``tg.wait_for_sync(pred)``.

Limits (``RateLimits``) default to Telegram's: 30 messages/s overall, 1/s per private
chat, 20/min per group, sends and edits counted, sliding windows. Faults (``Faults``,
seeded) answer a fraction of sending calls with 429, 500, 502, a dropped connection
(nothing stored) or "timeout" (stored, answered too late); ``fail_next`` scripts them.

Only parse_mode HTML is validated (as Telegram's tdlib parser does it: bare "&" and
unknown entities such as "&nbsp;" are kept as text, a bare "<" is an error); Markdown
modes are accepted and kept as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

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


# ---------------------------------------------------------------- HTML, the way tdlib parses it


class EntityParseError(ValueError):
    """The text after "can't parse entities: "."""


_ALLOWED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji"}
    | {"span", "pre", "code", "blockquote"}
)
_SIMPLE_TAGS = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_space(c: str) -> bool:
    return c in " \t\r\n\v\f\0"


def _decode_entity(s: str, i: int) -> tuple[int, int]:
    """(code point, index after) for the entity at s[i] == "&", or (0, i) if it is not one."""
    n, j, res = len(s), i + 1, 0
    if j < n and s[j] == "#":
        j += 1
        if j < n and s[j] == "x":
            j += 1
            while j < n and s[j] in "0123456789abcdefABCDEF":
                res = res * 16 + int(s[j], 16)
                j += 1
        else:
            while j < n and s[j] in "0123456789":
                res = res * 10 + int(s[j])
                j += 1
        if res == 0 or res >= 0x10FFFF or j - i >= 10:
            return 0, i
    else:
        while j < n and s[j].isascii() and s[j].isalpha():
            j += 1
        res = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(s[i + 1 : j], 0)
        if not res:
            return 0, i
    if j < n and s[j] == ";":
        j += 1
    return res, j


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a parse_mode=HTML text; raises EntityParseError like Telegram."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, str, int, int, bool]] = []  # tag, argument, utf16 offset, len(out), expandable
    u16, i, n = 0, 0, len(source)

    def at(k: int) -> str:
        return source[k] if k < n else "\0"

    def byte(k: int) -> int:
        return len(source[:k].encode("utf-8", "surrogatepass"))

    while i < n:
        c = source[i]
        if c == "&":
            code, j = _decode_entity(source, i)
            if code:
                out.append(chr(code))
                u16 += 2 if code > 0xFFFF else 1
                i = j
                continue
        if c != "<":
            out.append(c)
            u16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte(begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in _ALLOWED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {byte(begin)}')
            argument, expandable = "", False
            while at(i) != ">":
                while i < n and _is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while not _is_space(at(i)) and at(i) not in "=>":
                    i += 1
                name = source[name_begin:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {byte(begin)}'
                    )
                while i < n and _is_space(at(i)):
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and name.lower() == "expandable":
                        expandable = True
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {byte(begin)}'
                    )
                i += 1
                while i < n and _is_space(at(i)):
                    i += 1
                if i >= n:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {byte(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {byte(token_begin)}"
                        )
                else:
                    quote, chars = source[i], []
                    i += 1
                    while i < n and source[i] != quote:
                        if source[i] == "&":
                            code, j = _decode_entity(source, i)
                            if code:
                                chars.append(chr(code))
                                i = j
                                continue
                        chars.append(source[i])
                        i += 1
                    i += 1 if i < n else 0
                    value = "".join(chars)
                if i >= n:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte(begin)}")
                if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")):
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte(begin)}'
                )
            stack.append((tag, argument, u16, len(out), expandable))
            i += 1
            continue
        # an end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {byte(begin)}")
        while not _is_space(at(i)) and at(i) != ">":
            i += 1
        end_tag = source[begin + 2 : i].lower()
        while i < n and _is_space(at(i)):
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {byte(begin)}")
        tag, argument, start, out_index, expandable = stack.pop()
        if end_tag and end_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {byte(begin)}, expected "</{tag}>", found "</{end_tag}>"'
            )
        i += 1
        if u16 <= start:
            continue
        entity: dict[str, Any] = {"offset": start, "length": u16 - start}
        last = entities[-1] if entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (start, u16 - start)
        if tag in _SIMPLE_TAGS or tag == "span":
            entity["type"] = _SIMPLE_TAGS.get(tag, "spoiler")
        elif tag == "tg-emoji":
            if not argument.isdigit() or int(argument) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        elif tag == "a":
            url = argument or "".join(out[out_index:])
            if not url.strip():
                continue
            entity.update(type="text_link", url=url)
        elif tag == "pre" and last is not None and same_span and last["type"] == "code" and last.get("_lang"):
            last.update(type="pre", language=last.pop("_lang"))
            continue
        elif tag == "pre":
            entity["type"] = "pre"
        elif tag == "code" and last is not None and same_span and last["type"] == "pre" and argument:
            last["language"] = argument
            continue
        elif tag == "code":
            entity.update(type="code", _lang=argument)
        else:
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        entities.append(entity)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    text = "".join(out)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        entity.pop("_lang", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing white space and moves the entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(total, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


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


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What Telegram echoes in Message.reply_markup: a non-empty inline keyboard only."""
    if markup and any(markup.get("inline_keyboard") or []):
        return markup
    return None


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


# ---------------------------------------------------------------- the server


class FakeTelegram:
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
        assert self._closing is not None
        async with aiohttp.ClientSession() as session:
            while not self._closing.is_set():
                with self._lock:
                    url, secret = self._webhook["url"], self._webhook.get("secret_token")
                    update = copy.deepcopy(self._updates[0]) if url and self._updates else None
                    event = self._wake_event
                if update is None:
                    assert event is not None
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                status: int | None = None
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
                    if status is not None and 200 <= status < 300:
                        self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                        continue
                    self._webhook.update(last_error_date=int(time.time()), last_error_message=error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self.webhook_retry_delay)

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


class FakeTelegramThread:
    """`with FakeTelegramThread(**kwargs) as tg:` serves a FakeTelegram from a background thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.tg = FakeTelegram(**kwargs)

    def __enter__(self) -> FakeTelegram:
        self.tg.start_in_thread()
        return self.tg

    def __exit__(self, *exc: object) -> None:
        self.tg.stop_thread()
