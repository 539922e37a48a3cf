"""``possibles run`` as a subprocess against the fake Discord (REST and gateway):
an admin makes a channel the moderators' channel; Alice proposes through the
modal, Bob joins with the card's button, three people report it; the review
item arrives in the moderators' channel; the process is restarted, a
non-moderator's press on the old card is refused, the moderator's Dismiss
edits it for everyone and the initiative is visible again. Every message,
edit and follow-up goes out with mentions disabled. Then one initiative seen
from Telegram and Discord through one database, and two processes splitting
the shards of one bot, a forum post per initiative tagged with its stage, and
an official answering from her private alert; a stop while the review item is
in flight loses nothing and sends nothing twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.console import possibles
from tests.fakes.discord import Channel, FakeDiscord, Guild, Interaction, Member, StoredMessage
from tests.fakes.telegram import FakeTelegramThread
from tests.fakes.telegram import StoredMessage as TelegramMessage

GUILD = 700_000_000_000_000_001
GENERAL, MODERATORS, FORUM = 700_000_000_000_000_010, 700_000_000_000_000_011, 700_000_000_000_000_012
ALICE, BOB, MIA, ROOT, NOSY = 601, 602, 603, 604, 605
REPORTERS = (611, 612, 613)
TITLE = "Trees @everyone come"
#: 109 characters (the core allows 120): quoted in the officials' form, within Discord's 100 there.
LONG_TITLE = (
    "A very long title about trees, benches, fountains and shade for everyone"
    " on the market square of the old town"
)
NO_MENTIONS = {"parse": []}


def server(*, alice_blocks_dms: bool = False) -> Guild:
    english = [Member(user, f"user{user}", locale="en-US") for user in (NOSY, *REPORTERS)]
    return Guild(
        GUILD,
        name="Quartier",
        channels=[
            Channel(GENERAL, "general"),
            Channel(MODERATORS, "moderators"),
            Channel(FORUM, "initiatives", type=15),
        ],
        members=[
            Member(ALICE, "alice", global_name="Alice", locale="en-US", dm_blocked=alice_blocks_dms),
            Member(BOB, "bob", global_name="Bob", locale="fr"),
            Member(MIA, "mia", global_name="Mia", locale="en-US"),
            Member(ROOT, "root", global_name="Root", locale="en-US", owner=True),
            *english,
        ],
    )


class Run:
    """One ``possibles run`` process talking to the fake Discord (and the fake Telegram when given)."""

    def __init__(
        self,
        tmp_path: Path,
        fake: FakeDiscord,
        telegram: Any = None,
        *,
        name: str = "run",
        env: dict[str, str] | None = None,
        only: tuple[str, ...] = (),
    ) -> None:
        self.tmp_path = tmp_path
        self.fake = fake
        self.telegram = telegram
        self.name = name
        self.env = env or {}
        self.only = [arg for role in only for arg in ("--only", role)]
        self.database = f"sqlite:///{tmp_path / 'possibles.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        """Every role (Discord, Telegram when configured, the scheduler, the sender, the web pages);
        ready once its gateway session is up and its commands are registered."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
        env.update(self.fake.env(), PYTHONUTF8="1", POSSIBLES_LOG_LEVEL="INFO", POSSIBLES_WEB__PORT="0")
        # No quiet hours: an alert must not wait for the morning whatever the hour the test runs at.
        env.update(POSSIBLES_NOTIFICATIONS__QUIET_START="00:00", POSSIBLES_NOTIFICATIONS__QUIET_END="00:00")
        if self.telegram is not None:
            env.update(self.telegram.env())
        env.update(self.env)
        self.runs += 1
        sessions_before = len(self.fake.gateway.sessions)
        this_run = self.tmp_path / f"{self.name}{self.runs}.log"
        log = this_run.open("wb")
        command = [sys.executable, "-c", "from bots.cli import main; main()", "run", *self.only]
        self.process = subprocess.Popen(
            [*command, "--database", self.database],
            cwd=self.tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait(
            lambda: (
                len(self.fake.gateway.sessions) > sessions_before
                and self.fake.sessions()
                and self.fake.commands()
            ),
            90,
        )
        # discord.py's "ready" comes 2 s after the last GUILD_CREATE; a stop before it makes discord.py
        # dispatch it on a closed client (a logged traceback that is not the bot's).
        self.wait(lambda: "connected to Discord as" in this_run.read_text(errors="replace"), 60)
        if self.telegram is not None:
            self.wait(lambda: any(c.method == "getUpdates" for c in self.telegram.requests), 60)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)

    def logs(self) -> str:
        logs = sorted(self.tmp_path.glob(f"{self.name}*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs)

    def wait(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        try:
            return self.fake.wait_for_sync(predicate, timeout)
        except TimeoutError as error:
            raise AssertionError(f"{error}\nthe bot said:\n{self.logs()[-5000:]}") from None

    def cli(self, *args: str) -> str:
        return possibles(*args, "--database", self.database, cwd=self.tmp_path).stdout

    # --- acting as members ----------------------------------------------------------

    def answered(self, ix: Interaction) -> Interaction:
        """Wait until the bot has answered ``ix`` and sent what it answers with."""
        self.wait(lambda: ix.callbacks and (ix.callbacks[0].type in (6, 7, 8, 9) or ix.replies))
        self.wait(lambda: not (ix.response and ix.response.flags & 128))  # not still "thinking…"
        return ix

    def run(
        self, user: int, command: str, in_channel: int = GENERAL, in_guild: int = GUILD, **options: Any
    ) -> Interaction:
        """``user`` runs ``/command`` with ``options`` (the command's own) in a channel of a guild."""
        return self.answered(
            self.fake.slash(user, command, options, guild_id=in_guild, channel_id=in_channel)
        )

    def press(self, user: int, message: StoredMessage, prefix: str) -> Interaction:
        """``user`` presses the button whose custom_id starts with ``prefix`` on ``message`` as it is now."""
        current = self.fake.message(message.id)
        custom_id = next((c for c in current.custom_ids if c.startswith(prefix)), None)
        assert custom_id is not None, f"no {prefix}… button on {current.custom_ids}"
        return self.answered(self.fake.press(user, current, custom_id))

    def choose(self, user: int, message: StoredMessage, prefix: str) -> Interaction:
        """``user`` picks, in a menu of ``message`` as it is now, the option whose value starts
        with ``prefix``."""
        current = self.fake.message(message.id)
        menus = [item for item in current.items if item["type"] == 3]
        found = [
            (m["custom_id"], o["value"]) for m in menus for o in m["options"] if o["value"].startswith(prefix)
        ]
        assert found, f"no {prefix}… option in the menus of {current.custom_ids}"
        custom_id, value = found[0]
        return self.answered(self.fake.select(user, current, custom_id, [value]))

    def shows(self, ix: Interaction, *texts: str) -> StoredMessage:
        """The message answering ``ix`` (a reply, or the message it edited) that holds all ``texts``,
        waited for: an answer may come in several messages."""

        def found() -> StoredMessage | None:
            candidates = [*ix.replies, *([ix.response] if ix.response is not None else [])]
            return next((m for m in candidates if all(t in m.text() for t in texts)), None)

        return self.wait(found)  # type: ignore[no-any-return]

    def answer(self, user: int, prompt: StoredMessage, text: str) -> Interaction:
        """The prompt's Answer button, then its modal, filled with ``text``."""
        opened = self.press(user, prompt, "possibles:answer")
        assert opened.modal is not None
        return self.answered(self.fake.submit_modal(user, opened, {"text": text}))


def latest(ix: Interaction) -> StoredMessage:
    """What the member sees now: the last message of the answer, or the message it edited."""
    if ix.replies:
        return ix.replies[-1]
    assert ix.response is not None, ix.callbacks
    return ix.response


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    # Discord allows 3 s before the first answer (the fake's own tests hold it to that: 10062);
    # a loaded test machine may be slower than any server, so the story allows 10.
    with FakeDiscord([server()], callback_deadline=10.0) as fake:
        runner = Run(tmp_path, fake)
        try:
            yield runner
        finally:
            runner.kill()


def propose(run: Run, user: int, title: str, description: str) -> StoredMessage:
    """/initiative propose: the modal, then the area (typed in the answer modal, then picked),
    the topic and Publish; the published card."""
    opened = run.run(user, "initiative propose")
    assert opened.modal is not None and [c.type for c in opened.callbacks] == [9]
    where = latest(
        run.answered(run.fake.submit_modal(user, opened, {"title": title, "description": description}))
    )
    assert "Where?" in where.text()
    areas = latest(run.answer(user, where, "Rhône"))
    # Areas and topics are menus (the core's choices); Cancel stays a button.
    assert any(c.startswith("v1:") for c in areas.custom_ids) and "v1:pa:89" not in areas.custom_ids
    topics = latest(run.choose(user, areas, "v1:pa:89"))
    assert "Which topic?" in topics.text()
    confirm = latest(run.choose(user, topics, "v1:pt:0"))
    assert "Ready to publish" in confirm.text() and "Rhône" in confirm.text()
    return latest(run.press(user, confirm, "v1:pc"))


def test_the_moderation_story_on_discord(run: Run) -> None:
    fake = run.fake
    run.start()
    assert {"initiative", "possibles", "queue", "Report to moderators"} <= {
        c["name"] for c in fake.commands()
    }

    # An admin makes #moderators the moderators' channel; Mia is a moderator.
    for member in (ROOT, MIA):
        run.run(member, "start")
    run.cli("admin", "grant", f"discord:{ROOT}", "admin")
    run.cli("admin", "grant", f"discord:{MIA}", "moderator")
    assert "moderators' group" in latest(run.run(ROOT, "possibles modchannel", MODERATORS)).text()

    # Alice proposes through the modal; the "@everyone" of her title pings no one.
    card = propose(run, ALICE, TITLE, "Ten lime trees and two benches on the square.")
    assert "Published! Initiative #1 is online." in card.text() and TITLE in card.text()
    assert card.ephemeral and card.allowed_mentions == NO_MENTIONS

    # Bob (French) shows it in #general and joins with the card's button.
    shown = latest(run.run(BOB, "initiative show", initiative="1"))
    assert not shown.ephemeral and shown.channel_id == GENERAL and TITLE in shown.text()
    joined = latest(run.press(BOB, shown, "v1:j:"))
    assert joined.ephemeral and "Vous soutenez n°1" in joined.text() and "2 soutiens" in joined.text()

    # The moderators' channel answers one 429 first: the review item still arrives, once.
    fake.fail_next(429, method="POST", path=rf"/channels/{MODERATORS}/messages", retry_after=0.5)
    # Two report with the card's button, one with the message menu: a form, the reason and a note.
    for reporter in REPORTERS:
        if reporter == REPORTERS[-1]:
            form = run.answered(
                fake.message_command(reporter, "Report to moderators", fake.message(shown.id))
            )
        else:
            form = run.press(reporter, shown, "v1:r:")
        assert form.modal is not None, form.callbacks
        values: dict[str, str | list[str]] = {"reason": ["spam"]}
        if reporter == REPORTERS[0]:
            values["note"] = "Copied from an ad @here"
        thanks = latest(run.answered(fake.submit_modal(reporter, form, values)))
        assert "Thank you, the moderators will look at it." in thanks.text()

    def review_items() -> list[StoredMessage]:
        return [m for m in fake.messages(MODERATORS) if any(c.startswith("v1:md:") for c in m.custom_ids)]

    (review,) = run.wait(review_items, 60)
    assert "spam ×3" in review.text() and TITLE in review.text() and review.allowed_mentions == NO_MENTIONS
    assert [r.status for r in fake.requests if r.route.startswith(f"POST /channels/{MODERATORS}/")] == [
        429,
        200,
    ]
    assert (
        "hidden pending the moderators' review"
        in latest(run.run(NOSY, "initiative show", initiative="1")).text()
    )

    # The process stops cleanly and starts again: the old card's buttons still answer.
    assert run.stop() == 0
    run.start()

    # Someone who is not a moderator presses Dismiss: refused to them alone, nothing changes.
    refused = run.press(NOSY, review, "v1:md:1:dismiss")
    (alert,) = refused.replies
    assert alert.ephemeral and "This is for moderators only." in alert.text()
    assert fake.message(review.id).edits == 0
    assert "hidden pending" in latest(run.run(NOSY, "initiative show", initiative="1")).text()

    # A forged press (the moderators' button sent from a card that never had it): refused, nothing changes.
    forged = run.answered(fake.press_custom_id(MIA, fake.message(shown.id), "v1:md:1:dismiss"))
    (stale,) = forged.replies
    assert stale.ephemeral and "This button is no longer valid." in stale.text()
    assert fake.message(review.id).edits == 0 and fake.message(shown.id).edits == 0

    # Mia dismisses: the item is edited for everyone, naming her, its buttons gone, by the press's
    # answer and then by the notification that keeps every copy of the item up to date.
    run.press(MIA, review, "v1:md:1:dismiss")
    edit_route = f"PATCH /channels/{MODERATORS}/messages/{review.id}"
    run.wait(lambda: any(r.route == edit_route and r.status == 200 for r in fake.requests), 60)
    decided = fake.message(review.id)
    assert "Mia" in decided.text() and decided.custom_ids == [] and decided.allowed_mentions == NO_MENTIONS
    visible = latest(run.run(NOSY, "initiative show", initiative="1")).text()
    assert "hidden" not in visible.lower() and TITLE in visible

    # Bob's card from before the restart: its Join still works, for someone new.
    rejoined = latest(run.press(NOSY, shown, "v1:j:"))
    assert "You support #1" in rejoined.text() and "3 supporters" in rejoined.text()

    assert run.stop() == 0
    sent = [(m.id, body) for m in fake.all_messages() for body in m.history]
    assert sent and all(body.get("allowed_mentions") == NO_MENTIONS for _, body in sent), [
        (i, b) for i, b in sent if b.get("allowed_mentions") != NO_MENTIONS
    ]
    refusals = [r for r in fake.requests if r.status >= 400 and r.fault is None]
    assert refusals == [], refusals
    logs = run.logs()
    assert "Traceback" not in logs, logs[logs.find("Traceback") - 1500 :][:4000]


def test_one_initiative_seen_from_telegram_and_discord(tmp_path: Path) -> None:
    """Both front ends in one process on one database: a Telegram member and a Discord member
    support the same initiative, and each sees the other's support counted. Alice blocks direct
    messages: her badge cannot reach her, which is tried once and not again."""
    with (
        FakeTelegramThread() as tg,
        FakeDiscord([server(alice_blocks_dms=True)], callback_deadline=10.0) as fake,
    ):
        run = Run(tmp_path, fake, telegram=tg)
        try:
            run.start()
            propose(run, ALICE, "Shared benches on the square", "Benches for everyone, on both apps.")
            shown = latest(run.run(NOSY, "initiative show", initiative="1"))
            assert "You support #1" in latest(run.press(NOSY, shown, "v1:j:")).text()

            count = len(tg.messages(42))
            tg.user_sends(42, "/join 1", language_code="en", first_name="Tess")
            run.wait(lambda: any("You support #1" in (m.text or "") for m in tg.messages(42)[count:]))
            said: TelegramMessage = next(
                m for m in tg.messages(42)[count:] if "You support #1" in (m.text or "")
            )
            assert "3 supporters" in (said.text or "")

            seen = latest(run.run(BOB, "initiative show", initiative="1")).text()
            assert re.search(r"\b3 soutiens\b", seen), seen

            def to_alice() -> list[Any]:
                dm = fake.dm_channel_id(ALICE)
                return [
                    r for r in fake.requests if dm is not None and r.route == f"POST /channels/{dm}/messages"
                ]

            run.wait(to_alice, 60)
            assert run.stop() == 0
            assert [(r.status, r.code) for r in to_alice()] == [(403, 50007)] and fake.dms(ALICE) == []
        finally:
            run.kill()


OTHER_GUILD, OTHER_GENERAL = 700_000_000_004_194_305, 700_000_000_004_194_310  # on shard 0 of 2; GUILD on 1


def test_two_processes_split_the_shards(tmp_path: Path) -> None:
    """Two ``possibles run --only discord`` on one database, each with its shards: each answers
    the servers of its shards, both see the same initiatives; one stopped, its servers wait."""
    other = Guild(
        OTHER_GUILD,
        name="Autre quartier",
        channels=[Channel(OTHER_GENERAL, "general")],
        members=[Member(NOSY, "nosy", locale="en-US")],
    )
    with FakeDiscord([server(), other], callback_deadline=10.0) as fake:
        shards = [
            Run(
                tmp_path,
                fake,
                name=f"shard{shard}-",
                env={"POSSIBLES_DISCORD__SHARD_COUNT": "2", "POSSIBLES_DISCORD__SHARD_IDS": f"[{shard}]"},
                only=("discord",),
            )
            for shard in (0, 1)
        ]
        try:
            for run in shards:
                run.start()
            assert sorted(session.shard for session in fake.sessions()) == [(0, 2), (1, 2)]
            first, second = shards
            published = possibles(
                "chat",
                "--as",
                "alice",
                "--lang",
                "en",
                "--database",
                first.database,
                cwd=tmp_path,
                stdin="\n".join(
                    ["/propose", TITLE, "Ten lime trees for shade on the square.", "Rhône", "1", "1", "1", ""]
                ),
            ).stdout
            assert "Published! Initiative #1 is online." in published

            joined = second.run(BOB, "initiative join", initiative="1")
            assert joined.shards == [(1, 2)] and "Vous soutenez n°1" in latest(joined).text()
            shown = first.run(
                NOSY, "initiative show", in_channel=OTHER_GENERAL, in_guild=OTHER_GUILD, initiative="1"
            )
            assert shown.shards == [(0, 2)] and "2 supporters of 500" in latest(shown).text()

            assert second.stop() == 0
            with pytest.raises(RuntimeError, match="no gateway session"):
                fake.slash(BOB, "initiative show", {"initiative": "1"}, guild_id=GUILD, channel_id=GENERAL)
            still = first.run(
                NOSY, "initiative show", in_channel=OTHER_GENERAL, in_guild=OTHER_GUILD, initiative="1"
            )
            assert TITLE in latest(still).text()
            assert first.stop() == 0
            for run in shards:
                logs = run.logs()
                assert "Traceback" not in logs, logs[logs.find("Traceback") - 1500 :][:4000]
        finally:
            for run in shards:
                run.kill()


def test_a_forum_post_per_initiative_with_its_stage_as_its_tag(tmp_path: Path) -> None:
    """An admin names the initiatives' forum; each new initiative gets a post there whose starter
    message is its live card, and its stage as the post's tag, changed when the goal is reached."""
    with FakeDiscord([server()], callback_deadline=10.0) as fake:
        run = Run(tmp_path, fake, env={"POSSIBLES_GOALS__DEPARTMENT": "2"})  # Rhône's initiatives need 2
        try:
            run.start()
            run.run(ROOT, "start")
            run.cli("admin", "grant", f"discord:{ROOT}", "admin")
            named = latest(run.run(ROOT, "possibles forum", channel=FORUM))
            assert "Each new initiative will now get a post here" in named.text()
            propose(run, ALICE, TITLE, "Ten lime trees and two benches on the square.")

            # The post: named after the card, its starter message the live card, tagged with the stage
            # (a tag the forum did not have: added to it first).
            (post,) = run.wait(lambda: fake.threads(FORUM), 60)
            thread = int(post["id"])
            assert post["name"] == f"#1 · {TITLE}" and fake.tag_names(thread) == ["ouverte"]
            assert any(r.route == f"PATCH /channels/{FORUM}" and r.status == 200 for r in fake.requests)
            starter = fake.message(thread)
            assert TITLE in starter.text() and "1 soutien sur 2" in starter.text()
            assert "v1:j:1" in starter.custom_ids and starter.allowed_mentions == NO_MENTIONS

            # Bob's support reaches the goal: the card is edited and the post's tag follows.
            shown = latest(run.run(BOB, "initiative show", initiative="1"))
            assert "objectif de 2 soutiens est atteint" in latest(run.press(BOB, shown, "v1:j:")).text()
            run.wait(lambda: fake.tag_names(thread) == ["objectif atteint"], 60)
            assert "objectif atteint" in fake.message(thread).text()
            assert {t["name"] for t in fake.channel(FORUM)["available_tags"]} == {
                "ouverte",
                "objectif atteint",
            }

            # The post's card is live: its Join works from the forum too.
            joined = latest(run.press(NOSY, fake.message(thread), "v1:j:"))
            assert "You support #1" in joined.text() and "3 supporters" in joined.text()
            run.wait(lambda: "3 soutiens" in fake.message(thread).text(), 60)
            assert len(fake.threads(FORUM)) == 1

            assert run.stop() == 0
            sent = [body for m in fake.all_messages() for body in m.history]
            assert sent and all(body.get("allowed_mentions") == NO_MENTIONS for body in sent)
            logs = run.logs()
            assert "Traceback" not in logs, logs[logs.find("Traceback") - 1500 :][:4000]
        finally:
            run.kill()


def test_an_official_answers_from_the_alert_in_private(tmp_path: Path) -> None:
    """Mia holds a mandate over the Rhône: when an initiative there reaches its goal she is alerted
    in private, and her Respond button opens a form (position and text) whose answer is published.
    The title is long: the form quotes it within Discord's limits (the fake refuses 50035 otherwise)."""
    with FakeDiscord([server()], callback_deadline=10.0) as fake:
        run = Run(tmp_path, fake, env={"POSSIBLES_GOALS__DEPARTMENT": "2"})
        try:
            run.start()
            run.run(MIA, "start")
            run.cli("admin", "verify", f"discord:{MIA}", "--area", "69", "--title", "Préfète du Rhône")
            propose(run, ALICE, LONG_TITLE, "Ten lime trees and two benches on the square.")
            shown = latest(run.run(BOB, "initiative show", initiative="1"))
            run.press(BOB, shown, "v1:j:")

            def alert() -> StoredMessage | None:
                return next(
                    (m for m in fake.dms(MIA) if any(c.startswith("v1:or:") for c in m.custom_ids)), None
                )

            card = run.wait(alert, 60)
            assert "reached its goal and awaits your response" in card.text() and card.guild_id is None
            opened = run.press(MIA, card, "v1:or:")
            assert opened.modal is not None and opened.modal["custom_id"] == "possibles:modal:respond"
            values: dict[str, str | list[str]] = {
                "position": ["v1:op:0"],
                "text": "We will plant them in March.",
            }
            preview = run.shows(
                run.answered(fake.submit_modal(MIA, opened, values)), "Preview of your public"
            )
            assert preview.channel_id == fake.dm_channel_id(MIA) and "v1:oc" in preview.custom_ids
            assert "We will plant them in March." in preview.text()
            published = run.press(MIA, preview, "v1:oc")
            run.shows(published, "Your response to #1 is published.")
            run.shows(published, "I support it", "We will plant them in March.")
            seen = latest(run.run(BOB, "initiative show", initiative="1")).text()
            assert "1 réponse d'élu" in seen and "réponse reçue" in seen
            assert run.stop() == 0
            sent = [body for m in fake.all_messages() for body in m.history]
            assert sent and all(body.get("allowed_mentions") == NO_MENTIONS for body in sent)
        finally:
            run.kill()


def console(run: Run, name: str, *lines: str) -> str:
    """Someone in the terminal chat, on the same database as the running bot."""
    script = "\n".join(lines) + "\n"
    return possibles(
        "chat", "--as", name, "--lang", "en", "--database", run.database, cwd=run.tmp_path, stdin=script
    ).stdout


def test_a_stop_while_the_review_item_is_on_its_way_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    """The review item's post to the moderators' channel is in flight (held by Discord) when the
    process is stopped: after the restart it arrives, once."""
    with FakeDiscord([server()], callback_deadline=10.0) as fake:
        run = Run(tmp_path, fake)
        try:
            run.start()
            run.run(ROOT, "start")
            run.cli("admin", "grant", f"discord:{ROOT}", "admin")
            run.run(ROOT, "possibles modchannel", MODERATORS)
            fake.hang_next(method="POST", path=rf"/channels/{MODERATORS}/messages")
            published = console(
                run,
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
                assert "Thank you" in console(run, name, "/report initiative 1", "3", "1")
            run.wait(lambda: [r for r in fake.requests if r.fault == "hang"], 60)

            assert run.stop() == 0
            fake.release_hung()
            run.start()

            def review_items() -> list[StoredMessage]:
                return [
                    m for m in fake.messages(MODERATORS) if any(c.startswith("v1:md:") for c in m.custom_ids)
                ]

            (review,) = run.wait(review_items, 60)
            assert "spam ×3" in review.text()
            # Later deliveries go through (a moderator's decision, then its edit of the item): had the held
            # post been sent again, it would be there by now.
            run.run(MIA, "start")
            run.cli("admin", "grant", f"discord:{MIA}", "moderator")
            run.press(MIA, review, "v1:md:1:dismiss")
            edit_route = f"PATCH /channels/{MODERATORS}/messages/{review.id}"
            run.wait(lambda: any(r.route == edit_route and r.status == 200 for r in fake.requests), 60)
            assert run.stop() == 0
            posts = [r for r in fake.requests if r.route == f"POST /channels/{MODERATORS}/messages"]
            assert [(r.status, r.fault) for r in posts] == [(0, "hang"), (200, None)]
            assert [m.id for m in fake.messages(MODERATORS)] == [review.id]
        finally:
            run.kill()
