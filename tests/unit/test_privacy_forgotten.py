"""A forgotten member everywhere their name was shown: each output names
them "former member" in the reader's language (Translator.member_name), never
with an empty name and never with their old one; the open data names nobody.

Bob proposes an initiative, posts news on it, comments on Alice's, reports,
is reported (as a member and for his comment), decides as a moderator,
answers Alice's initiative as an official, and then forgets himself. Every
place that showed his name is read again, in English and in French, on
SQLite and PostgreSQL (the ``runtime`` fixture)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from starlette.testclient import TestClient

from bots.web.app import build_app
from core.bootstrap import Runtime
from core.domain.members import FORGOTTEN_NAME, Role
from core.presentation.context import Context, Speaker
from core.presentation.handlers.moderation import decided_card, review_card
from core.presentation.i18n import Translator
from core.services import admin, members, notices, officials, open_data
from core.services.moderation import DecisionResult, QueueEntry
from tests.support import Clock, People, Person, is_error, text_of
from tests.unit.test_moderation import grant, lyon, publish, report

#: A name no message of either language contains.
OLD_NAME = "Zébulon"
WORDS = {"en": "former member", "fr": "ancien membre"}


def _ok(person: Person, line: str) -> str:
    reply = person.say(line)
    assert not is_error(reply), (line, text_of(reply))
    return text_of(reply)


def forgotten_official(runtime: Runtime, people: People, clock: Clock) -> dict[str, int]:
    alice, carol, mod = people["alice"], people["carol"], people["mod"]
    bob = people[OLD_NAME]
    theirs = publish(runtime, alice)
    mine = publish(runtime, bob, title="Benches along the river banks")
    _ok(carol, f"/join {mine}")
    _ok(bob, f"/post {mine} The first two benches are ordered.")
    _ok(bob, f"/comment {theirs} A good idea, and cheap to do.")
    _ok(bob, "/editcomment 1 A good idea, and cheap enough to do.")  # a comment with a history
    spam = publish(runtime, people["dave"], title="Buy cheap watches on my website")
    # Bob reports, and decides as a moderator.
    assert "Thank you" in report(bob, f"initiative {spam}", note="an advert for a shop")
    grant(runtime, bob, Role.MODERATOR)
    for who in ("carol", "erin"):
        report(people[who], f"initiative {spam}")
    clock.advance(minutes=5)
    _ok(bob, "/decide 1 remove advertising for a shop")
    # Bob is reported: as a member, and for his news post (items 2 and 3, left open).
    bob_id = bob.member_id
    assert "Thank you" in report(carol, f"member {bob_id}", "Harassment")
    for who in ("carol", "erin", "frank"):  # three reports put his news post up for review
        assert "Thank you" in report(people[who], "post 1", "Harassment")
    # An official who answered in public.
    admin.verify_official(runtime.uow(), bob_id, "69123", "Maire de Lyon")
    officials.respond(
        runtime.uow(), bob_id, theirs, "supports", "We will plant them this autumn.", runtime.settings
    )
    grant(runtime, mod, Role.MODERATOR)
    _ok(bob, "/forget")
    assert not is_error(bob.press("Erase everything"))
    with runtime.uow() as uow:
        assert members.get_member(uow, bob_id).display_name == FORGOTTEN_NAME
    return {"theirs": theirs, "mine": mine, "spam": spam, "bob": bob_id}


def _shown(text: str, language: str) -> None:
    """``text`` names the former member in ``language`` only, and never by their old name."""
    other = WORDS["fr" if language == "en" else "en"]
    assert WORDS[language] in text and other not in text, (language, text)
    _nameless(text)


def _nameless(text: str) -> None:
    assert OLD_NAME not in text and OLD_NAME.lower() not in text.lower(), text


def _reader(people: People, language: str) -> Person:
    reader = people[f"reader-{language}"]
    reader.language = language
    return reader


@pytest.fixture
def ids(runtime: Runtime, people: People, clock: Clock) -> dict[str, int]:
    return forgotten_official(runtime, people, clock)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_chat_names_the_former_member_in_the_readers_language(
    runtime: Runtime, people: People, ids: dict[str, int], language: str
) -> None:
    reader = _reader(people, language)
    theirs, mine, bob = ids["theirs"], ids["mine"], ids["bob"]
    # The initiative card's author, the timeline's proposal, news, comment and
    # response, the responses, the comment's history, the official's record.
    for line in (
        f"/show {mine}",
        f"/timeline {mine}",
        f"/timeline {theirs}",
        f"/responses {theirs}",
        f"/official #{bob}",
        f"/profile #{bob}",
    ):
        _shown(_ok(reader, line), language)
    # The comment's versions (the 🕘 button of the edited comment on the timeline).
    reader.say(f"/timeline {theirs}")
    assert "v1:hv:c:1" in [a.payload for a in reader.actions()]
    _shown(text_of(reader.press_payload("v1:hv:c:1")), language)
    # Lists that leave a former member out: the leaderboards and the officials
    # of the area (the mandate ended), the public moderation log (names nobody).
    for line in ("/top all", "/top all Lyon", "/officials Lyon", "/modlog"):
        text = _ok(reader, line)
        _nameless(text)
        assert WORDS[language] not in text, (line, text)
        assert not re.search(r"\d\.\s+—", text), text  # no rank with an empty name


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_moderators_read_the_former_member_in_their_language(
    runtime: Runtime, people: People, ids: dict[str, int], language: str
) -> None:
    mod = people["mod"]
    mod.language = language
    _ok(mod, f"/lang {language}")
    queue = _ok(mod, "/queue")
    _shown(queue, language)
    # The review item of the member report: its excerpt (the member's name)
    # and its author both read "former member", never an empty quote.
    assert "“”" not in queue and '""' not in queue, queue
    speaker = Speaker(mod.speaker.identity, mod.name, language)
    with runtime.uow() as uow:
        member_item = notices.review_state(uow, 2)
        post_item = notices.review_state(uow, 3)
        decided = notices.review_state(uow, 1)
    assert isinstance(member_item, QueueEntry) and member_item.target_type == "member"
    assert isinstance(post_item, QueueEntry) and post_item.target_type == "post"
    assert isinstance(decided, DecisionResult)  # decided by the former member
    chat = people.chat
    ctx = Context(
        uow_factory=chat.uow_factory,
        settings=chat.settings,
        member=members.enter(chat.uow_factory(), speaker.identity, mod.name, language, chat.settings),
        t=Translator(language),
        speaker=speaker,
    )
    for card in (review_card(ctx, member_item), review_card(ctx, post_item), decided_card(ctx, decided)):
        text = "\n".join(filter(None, [card.title, *card.lines, card.footer]))
        _shown(text, language)
        assert "“”" not in text and "« »" not in text, text
    # Reporting the former member again: the prompt's excerpt names them so.
    reporter = _reader(people, language)
    prompt = text_of(reporter.say(f"/report member {ids['bob']}"))
    _shown(prompt, language)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_web_and_the_feeds_name_the_former_member_in_the_readers_language(
    runtime: Runtime, ids: dict[str, int], language: str
) -> None:
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    theirs, mine, bob = ids["theirs"], ids["mine"], ids["bob"]
    for path in (
        f"/i/{mine}",
        f"/i/{theirs}",
        f"/officials/{bob}",
        f"/i/{mine}/feed.atom",
        f"/i/{theirs}/feed.rss",
    ):
        answer = client.get(f"{path}?lang={language}")
        assert answer.status_code == 200, path
        _shown(answer.text, language)
    for path in (
        "/leaderboards?period=all",
        "/moderation",
        f"/a/{lyon(runtime)}",
        "/feed.atom",
        "/moderation/feed.atom",
    ):
        answer = client.get(path + ("&" if "?" in path else "?") + f"lang={language}")
        assert answer.status_code == 200, path
        _nameless(answer.text)
        assert "<td></td>" not in answer.text, path


def test_the_open_data_names_no_former_member(runtime: Runtime, ids: dict[str, int]) -> None:
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    petitions = client.get("/export/initiatives.json")
    table = client.get("/export/initiatives.csv")
    popolo = client.get("/export/officials.popolo.json")
    for answer in (petitions, table, popolo):
        assert answer.status_code == 200
        _nameless(answer.text)
    # OSDI: the ended mandate is nobody's target any more; no target is nameless.
    targets = [t["name"] for p in petitions.json()["_embedded"]["osdi:petitions"] for t in p["target"]]
    assert all(name and not name.startswith(",") for name in targets), targets
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert rows and all(not row["target"].startswith(",") for row in rows), rows
    # Popolo: the mandate (its post and membership, the responses' attribution)
    # stays; the person is gone, and no membership points to a person not listed.
    document = popolo.json()
    assert all(person["name"] for person in document["persons"]), document["persons"]
    persons = {person["id"] for person in document["persons"]}
    assert f"person/{ids['bob']}" not in persons
    [held] = [m for m in document["memberships"] if m["role"] == "Maire de Lyon"]
    assert "person_id" not in held and held["post_id"] and held["end_date"], held
    assert {m["person_id"] for m in document["memberships"] if "person_id" in m} <= persons
    # The read model says so too: no name for a former member.
    record = open_data.officials_record(runtime.uow())
    assert ids["bob"] not in record.names
    assert all(name for name in record.names.values())


def test_a_living_official_stays_named_in_the_popolo_export(runtime: Runtime, people: People) -> None:
    """The rule takes out the former member only."""
    lou = people["Lou"]
    admin.verify_official(runtime.uow(), lou.member_id, "69123", "Maire de Lyon")
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    document = json.loads(client.get("/export/officials.popolo.json").text)
    assert document["persons"] == [{"id": f"person/{lou.member_id}", "name": "Lou"}]
    [held] = document["memberships"]
    assert held["person_id"] == f"person/{lou.member_id}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_error_about_a_former_member_names_them_in_the_readers_language(
    runtime: Runtime, people: People, language: str
) -> None:
    """Errors name members through the ``member`` parameter (core.presentation.errors)."""
    gone = people[OLD_NAME]
    gone_id = gone.member_id
    _ok(gone, "/forget")
    assert not is_error(gone.press("Erase everything"))
    reply = _reader(people, language).say(f"/official #{gone_id}")
    assert is_error(reply)
    # Opening the sentence, the label takes a capital.
    said = text_of(reply)
    assert WORDS[language].capitalize() in said, said
    _shown(said.lower(), language)
