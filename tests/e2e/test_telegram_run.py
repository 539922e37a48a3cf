"""``possibles run`` as a subprocess against the fake Telegram Bot API server,
with Telegram's flood limits on: people propose, join and report in private;
an admin makes a group the moderators' group; a moderator lists the queue
there, the process is restarted, and the Dismiss button still works — for the
moderator only — and edits the card for everyone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console import possibles
from tests.fakes.telegram import FakeTelegram, FakeTelegramThread, StoredMessage, parse_html

BOT = "possibles_test_bot"
GROUP = -100777
ALICE, BOB, MIA, ROOT, NOSY = 101, 102, 200, 400, 300
REPORTERS = (103, 104, 105)
TITLE = "Trees <b>& benches</b> 🌳"


class Bot:
    """One ``possibles run`` process talking to the fake."""

    def __init__(self, tmp_path: Path, tg: FakeTelegram) -> None:
        self.tmp_path = tmp_path
        self.tg = tg
        self.database = f"sqlite:///{tmp_path / 'possibles.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self, *roles: str) -> None:
        """``possibles run --only ROLE...`` (every role when none is given)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
        env.update(self.tg.env(), PYTHONUTF8="1", POSSIBLES_LOG_LEVEL="INFO")
        env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
        self.runs += 1
        log = (self.tmp_path / f"run{self.runs}.log").open("wb")
        polls_before = self._polls()
        only = [arg for role in roles for arg in ("--only", role)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from bots.cli import main; main()",
                "run",
                *only,
                "--database",
                self.database,
            ],
            cwd=self.tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait(lambda: self._polls() > polls_before, 60)  # ready: it polls for updates

    def _polls(self) -> int:
        return sum(1 for call in self.tg.requests if call.method == "getUpdates")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("run*.log")))

    def wait(self, predicate: object, timeout: float = 20) -> object:
        try:
            return self.tg.wait_for_sync(predicate, timeout)  # type: ignore[arg-type]
        except TimeoutError:
            raise AssertionError(f"timed out; the bot said:\n{self.logs()[-4000:]}") from None

    # --- acting as people -------------------------------------------------------

    def says(
        self, user: int, text: str, *, chat: int | None = None, name: str | None = None
    ) -> StoredMessage:
        """``user`` writes; the bot's next message in that chat."""
        where = chat if chat is not None else user
        before = len(self.tg.messages(where))
        self.tg.user_sends(user, text, chat_id=chat, language_code="en", first_name=name)
        self.wait(lambda: len(self.tg.messages(where)) > before)
        return self.tg.messages(where)[before]

    def presses(self, user: int, message: StoredMessage, label: str) -> str:
        """``user`` presses the button whose label contains ``label``; the answer's text."""
        data = next(
            b["callback_data"] for b in message.buttons if label in b["text"] and "callback_data" in b
        )
        query = self.tg.user_presses(user, message.chat_id, message.message_id, data)
        self.wait(lambda: query in self.tg.callback_answers)
        return self.tg.callback_answers[query].text or ""

    def next_message(self, chat: int, count_before: int) -> StoredMessage:
        self.wait(lambda: len(self.tg.messages(chat)) > count_before)
        return self.tg.messages(chat)[count_before]

    def edited(self, message: StoredMessage) -> StoredMessage:
        self.wait(lambda: self.tg.message(message.chat_id, message.message_id).edits > message.edits)
        return self.tg.message(message.chat_id, message.message_id)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    with FakeTelegramThread(bot_username=BOT) as tg:  # Telegram's real flood limits
        runner = Bot(tmp_path, tg)
        try:
            yield runner
        finally:
            runner.kill()


def test_the_moderation_story_on_telegram(bot: Bot, tmp_path: Path) -> None:
    tg = bot.tg
    bot.start("telegram")
    assert tg.commands_for("fr")[:3] == ["start", "help", "propose"] and "propose" in tg.commands_for("en")

    # Alice proposes, step by step; her title has HTML in it.
    assert "What is your initiative?" in bot.says(ALICE, "/propose", name="Alice").text
    assert "Describe it" in bot.says(ALICE, TITLE).text
    bot.says(ALICE, "Ten lime trees and two benches.")
    areas = bot.says(ALICE, "Rhône")
    count = len(tg.messages(ALICE))
    bot.presses(ALICE, areas, "Rhône")
    topics = bot.next_message(ALICE, count)
    count = len(tg.messages(ALICE))
    bot.presses(ALICE, topics, "Environment")
    confirm = bot.next_message(ALICE, count)
    bot.presses(ALICE, confirm, "Publish")
    card = bot.edited(confirm)
    assert f"#1 · {TITLE}" in card.text
    assert "Trees &lt;b&gt;&amp; benches&lt;/b&gt; 🌳" in (card.source or "")

    # Bob joins from the card.
    shown = bot.says(BOB, "/show 1", name="Bob")
    count = len(tg.messages(BOB))
    bot.presses(BOB, shown, "Join")
    assert "You support #1" in bot.next_message(BOB, count).text

    # Three people report it: hidden pending review.
    for reporter in REPORTERS:
        reasons = bot.says(reporter, "/report 1")
        bot.presses(reporter, reasons, "Spam")
        note = bot.edited(reasons)
        bot.presses(reporter, note, "No note")
        assert "Thank you, the moderators will look at it." in bot.edited(note).text
    assert "#1 is hidden pending the moderators' review" in bot.says(NOSY, "/show 1", name="Nosy").text

    # An admin makes the group the moderators' group; Mia becomes a moderator.
    bot.says(ROOT, "/start", name="Root")
    bot.says(MIA, "/start", name="Mia")
    possibles("admin", "grant", f"telegram:{ROOT}", "admin", "--database", bot.database, cwd=tmp_path)
    possibles("admin", "grant", f"telegram:{MIA}", "moderator", "--database", bot.database, cwd=tmp_path)
    set_chat = bot.says(ROOT, f"/modchat@{BOT}", chat=GROUP)
    assert "now the moderators' group" in set_chat.text
    review = bot.says(MIA, f"/queue@{BOT}", chat=GROUP)
    # The review card stays in the group for every moderator: in the group's language (French here).
    assert "3 signalements\u00a0: spam ×3" in review.text
    assert any("Rejeter" in b["text"] for b in review.buttons)

    # The process stops (SIGTERM, cleanly) and starts again between the card and the press.
    assert bot.stop() == 0
    bot.start("telegram")

    # Someone who is not a moderator presses: an alert, nothing changes.
    refused = bot.presses(NOSY, review, "Rejeter")
    assert refused == "This is for moderators only."
    assert tg.message(GROUP, review.message_id).edits == 0
    assert "hidden pending" in bot.says(NOSY, "/show 1").text

    # Mia presses Dismiss: the card is edited for everyone, its buttons gone.
    bot.presses(MIA, review, "Rejeter")
    decided = bot.edited(review)
    assert "Décision n°1\u00a0: signalement rejeté, par Mia." in decided.text  # still the group's language
    assert decided.buttons == []
    visible = bot.says(NOSY, "/show 1")
    assert "hidden" not in visible.text.lower() and f"#1 · {TITLE}" in visible.text

    # Inline sharing answers from the same process.
    query = tg.user_inline_query(NOSY, "trees")
    bot.wait(lambda: query in tg.inline_answers)
    (result,) = tg.inline_answers[query].results
    assert parse_html(result["input_message_content"]["message_text"])[0].startswith(f"#1 · {TITLE}")

    # Twenty presses of the same Join within a second: every one answered, one support.
    shown = bot.says(NOSY, "/show 1")
    join = next(b["callback_data"] for b in shown.buttons if "Join" in b["text"])
    queries = [tg.user_presses(NOSY, NOSY, shown.message_id, join) for _ in range(20)]
    bot.wait(lambda: all(q in tg.callback_answers for q in queries), 60)
    bot.wait(lambda: any("You support #1" in t for t in tg.texts(NOSY)))
    assert sum("You support #1" in t for t in tg.texts(NOSY)) == 1
    assert "3 supporters" in next(t for t in tg.texts(NOSY) if "You support #1" in t)
    assert sum(1 for q in queries if tg.callback_answers[q].show_alert) == 19

    assert bot.stop() == 0
    assert not [c for c in tg.requests if c.status == 400 and "not modified" not in (c.description or "")]
    assert "Traceback" not in bot.logs()


def console(tmp_path: Path, bot: Bot, name: str, *lines: str) -> str:
    """Someone in the terminal chat, on the same database as the running bot."""
    script = "\n".join(lines) + "\n"
    return possibles(
        "chat", "--as", name, "--lang", "en", "--database", bot.database, cwd=tmp_path, stdin=script
    ).stdout


def test_the_review_card_is_pushed_to_the_moderators_group(bot: Bot, tmp_path: Path) -> None:
    """With every role running, notifications push the review card to the group
    set with /modchat; a moderator decides there after a restart."""
    tg = bot.tg
    bot.start()
    bot.says(ROOT, "/start", name="Root")
    bot.says(MIA, "/start", name="Mia")
    possibles("admin", "grant", f"telegram:{ROOT}", "admin", "--database", bot.database, cwd=tmp_path)
    possibles("admin", "grant", f"telegram:{MIA}", "moderator", "--database", bot.database, cwd=tmp_path)
    assert "now the moderators' group" in bot.says(ROOT, f"/modchat@{BOT}", chat=GROUP).text

    published = console(
        tmp_path,
        bot,
        "alice",
        "/propose",
        TITLE,
        "Ten lime trees for shade on the square.",
        "Rhône",
        "1",
        "1",
        "1",
    )
    assert "Published! Initiative #1 is online." in published
    for name in ("erin", "grace", "heidi"):
        assert "Thank you" in console(tmp_path, bot, name, "/report initiative 1", "3", "1")

    def pushed() -> StoredMessage | None:
        return next(
            (m for m in tg.messages(GROUP) if any(d.startswith("v1:md:") for d in m.callback_data)), None
        )

    review = bot.wait(pushed, 60)
    assert isinstance(review, StoredMessage)
    assert "Trees <b>& benches</b> 🌳" in (review.text or "") and "spam ×3" in (review.text or "")

    assert bot.stop() == 0
    bot.start()
    tg.add_user(NOSY, first_name="Nosy", language_code="en")
    assert bot.presses(NOSY, review, "✔") == "This is for moderators only."
    bot.presses(MIA, review, "✔")
    decided = bot.edited(review)
    assert "Mia" in (decided.text or "") and decided.buttons == []
    bot.wait(lambda: "hidden" not in console(tmp_path, bot, "frank", "/show 1").lower(), 10)
    assert len([m for m in tg.messages(GROUP) if "spam ×3" in (m.text or "")]) <= 1  # pushed once
    assert bot.stop() == 0
