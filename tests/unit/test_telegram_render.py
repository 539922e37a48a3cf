"""Cards as Telegram HTML: escaped as typed, split at 4,096, buttons in rows;
and what each Bot API error means for a delivery."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bots.telegram.render import MAX_TEXT, card_lines, keyboard, render_cards, render_reply, utf16_len
from bots.telegram.sender import file_url, outcome_of
from core.presentation.cards import Action, Card, CardKind, Field, Reply
from notifications.ports import OutcomeKind
from tests.fakes.telegram import parse_html

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TRICKY = "Arbres <b>& bancs</b> > 3 < 4 &amp; 🌳👩‍👩‍👧 \"quotes\" 'single'"


def visible(html: str) -> str:
    """What Telegram shows for an HTML text (the fake parses like tdlib)."""
    return parse_html(html)[0]


def test_member_text_shows_exactly_as_typed() -> None:
    card = Card(
        title=f"#7 · {TRICKY}",
        lines=(TRICKY, "second <i>line</i>"),
        fields=(Field("Area <x>", "Lyon & co"),),
        footer="by <script>",
    )
    (message,) = render_cards([card])
    assert message.text.startswith("<b>#7 · Arbres &lt;b&gt;&amp; bancs&lt;/b&gt; &gt; 3 &lt; 4 &amp;amp; 🌳")
    text, entities = parse_html(message.text)
    assert text.splitlines() == [
        f"#7 · {TRICKY}",
        TRICKY,
        "second <i>line</i>",
        "",
        "Area <x>: Lyon & co",
        "by <script>",
    ]
    kinds = [e["type"] for e in entities]
    assert kinds == ["bold", "bold", "italic"]  # the title, the field's label, the footer


def test_kinds_are_marked_and_empty_cards_still_say_something() -> None:
    error = render_cards([Card(lines=("No.",), kind=CardKind.ERROR)])[0].text
    success = render_cards([Card(lines=("Done.",), kind=CardKind.SUCCESS)])[0].text
    assert (error, success) == ("⚠️ No.", "✅ Done.")
    only_buttons = render_cards([Card(actions=(Action("Go", "v1:hp"),))])[0]
    assert visible(only_buttons.text).strip() and only_buttons.markup is not None


def test_buttons_in_rows_with_urls_and_payloads() -> None:
    actions = (
        Action("Join", "v1:j:7", row=0),
        Action("Share", "v1:sh:7", row=2),
        Action("Follow", "v1:fo:i:7", row=1),
        Action("Volunteer", "v1:v:7", row=0),
        Action("Site", url="https://example.org/i/7", row=2),
        *(Action(str(n), f"v1:pt:{n}", row=3) for n in range(10)),
    )
    markup = keyboard([Card(lines=("x",), actions=actions)])
    assert markup is not None
    rows = [[(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard]
    assert rows[0] == [("Join", "v1:j:7", None), ("Volunteer", "v1:v:7", None)]
    assert rows[1] == [("Follow", "v1:fo:i:7", None)]
    assert rows[2] == [("Share", "v1:sh:7", None), ("Site", None, "https://example.org/i/7")]
    assert [len(r) for r in rows[3:]] == [8, 2]  # Telegram's 8 buttons per row
    assert keyboard([Card(lines=("no buttons",))]) is None


def test_long_cards_split_on_line_boundaries_with_buttons_on_the_last_part() -> None:
    lines = tuple(f"{n:04d} <{'é' * 60}>" for n in range(200))  # ~13,000 characters
    parts = render_cards([Card(title="Long & <long>", lines=lines, actions=(Action("Next", "v1:mq:1"),))])
    assert len(parts) >= 3
    shown: list[str] = []
    for index, part in enumerate(parts):
        text = visible(part.text)
        assert utf16_len(text) <= MAX_TEXT
        assert (part.markup is not None) == (index == len(parts) - 1)
        shown.extend(text.splitlines())
    assert shown == ["Long & <long>", *lines]  # nothing lost, no line cut in two


def test_an_overlong_line_is_cut_without_breaking_a_character() -> None:
    line = "😀" * 3000 + "&" * 10  # 6,010 UTF-16 units on one line
    parts = render_cards([Card(lines=(line,))])
    texts = [visible(p.text) for p in parts]
    assert len(texts) == 2 and all(utf16_len(t) <= MAX_TEXT for t in texts)
    assert "".join(texts) == line


def test_the_limit_counts_visible_text_not_html() -> None:
    # 4,000 ampersands are 20,000 characters of HTML but 4,000 on screen: one message.
    (part,) = render_cards([Card(lines=("&" * 4000,))])
    assert len(part.text) == 20_000 and visible(part.text) == "&" * 4000


def test_a_notice_joins_the_card_it_is_about_and_cards_with_buttons_stay_apart() -> None:
    notice = Card(lines=("You support #7.",), kind=CardKind.SUCCESS)
    initiative = Card(title="#7 · Trees", lines=("Shade.",), actions=(Action("Join", "v1:j:7"),))
    review = Card(title="Review #1", actions=(Action("Dismiss", "v1:md:1:dismiss"),))
    other = Card(title="Review #2", actions=(Action("Dismiss", "v1:md:2:dismiss"),))
    summary = Card(lines=("Page 1 of 1",))
    joined = render_reply(Reply([notice, initiative]))
    assert len(joined) == 1 and visible(joined[0].text).splitlines() == [
        "✅ You support #7.",
        "",
        "#7 · Trees",
        "Shade.",
    ]
    queue = render_reply(Reply([review, other, summary]))
    assert [visible(m.text).splitlines()[0] for m in queue] == ["Review #1", "Review #2", "Page 1 of 1"]
    assert [m.markup is not None for m in queue] == [True, True, False]


def test_multiline_text_stays_on_its_lines() -> None:
    lines = card_lines(Card(title="a\nb", lines=("c\nd",), footer="e"))
    assert [[text for _, text in line] for line in lines] == [["a"], ["b"], ["c"], ["d"], ["e"]]


def test_file_url_follows_the_api_address() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


def caused(error: TelegramError, cause: Exception) -> TelegramError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (lambda: RetryAfter(3), OutcomeKind.RETRY_AFTER),
        (lambda: caused(TimedOut(), httpx.ReadTimeout("read")), OutcomeKind.UNCERTAIN),
        (lambda: caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), OutcomeKind.TRANSIENT),
        (lambda: caused(TimedOut(), httpx.ConnectTimeout("connect")), OutcomeKind.TRANSIENT),
        (lambda: NetworkError("Bad Gateway"), OutcomeKind.TRANSIENT),  # a 5xx answer
        (
            lambda: caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
            OutcomeKind.TRANSIENT,
        ),
        (
            lambda: caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")),
            OutcomeKind.TRANSIENT,
        ),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), OutcomeKind.UNREACHABLE),
        (lambda: ChatMigrated(-100123), OutcomeKind.UNREACHABLE),
        (lambda: BadRequest("Bad Request: chat not found"), OutcomeKind.UNREACHABLE),
        (
            lambda: BadRequest("Bad Request: can't parse entities: Unsupported start tag"),
            OutcomeKind.REJECTED,
        ),
        (lambda: BadRequest("Bad Request: message is too long"), OutcomeKind.REJECTED),
    ],
)
def test_bot_api_errors_become_outcomes(error: Callable[[], TelegramError], kind: str) -> None:
    outcome = outcome_of(error())
    assert outcome.kind == kind
    if kind == OutcomeKind.RETRY_AFTER:
        assert outcome.retry_after == 3


def test_a_kept_button_serialises_as_python_telegram_bot_does() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bots.telegram.render import _made_button

    for made, plain in (
        (_made_button("Join", None, "v1:j:7"), InlineKeyboardButton("Join", callback_data="v1:j:7")),
        (
            _made_button("Open", "https://example.org/i/7", None),
            InlineKeyboardButton("Open", url="https://example.org/i/7"),
        ),
    ):
        assert made == plain
        first = made.to_dict()
        assert first == plain.to_dict()
        first["text"] = "changed by a caller"  # each call gets its own copy
        assert made.to_dict() == plain.to_dict()
        assert InlineKeyboardMarkup([[made]]).to_dict() == InlineKeyboardMarkup([[plain]]).to_dict()
