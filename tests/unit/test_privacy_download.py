"""/mydata's one-time download link: minting, redeeming, expiry, and the
token dying with its member (core.services.privacy, core.services.handovers)."""

from __future__ import annotations

import json

import pytest

from core.bootstrap import Runtime
from core.config import PrivacySettings, Settings
from core.errors import InvalidState, NotFound, StaleAction
from core.presentation.cards import Action, Reply
from core.services import handovers, privacy
from core.services.handovers import Handover, HandoverKind, TokenState
from core.storage import tables
from tests.support import Clock, People, Person, is_error, text_of
from tests.unit.test_handovers import snapshot
from tests.unit.test_linking import code_of, other, rows

BASE = "http://127.0.0.1:8080/mydata/"


def link_of(reply: Reply) -> Action:
    (action,) = [a for card in reply.cards for a in card.actions if a.url]
    return action


def token_of(reply: Reply) -> str:
    url = link_of(reply).url
    assert url is not None and url.startswith(BASE), url
    return url[len(BASE) :]


def mydata(person: Person) -> tuple[Reply, str]:
    reply = person.say("/mydata")
    assert not is_error(reply), text_of(reply)
    return reply, token_of(reply)


@pytest.mark.parametrize(
    ("language", "label", "line"),
    [
        ("en", "Download from the web — works once, for 15 minutes", "the link works once, for 15 minutes"),
        ("fr", "Télécharger sur le web — une seule fois, pendant 15 minutes", "pendant 15 minutes"),
    ],
)
def test_mydata_offers_the_file_and_a_one_time_link_in_the_members_language(
    runtime: Runtime, people: People, language: str, label: str, line: str
) -> None:
    bob = people["bob"]
    bob.language = language
    reply, token = mydata(bob)
    assert link_of(reply).label == label and line in text_of(reply)
    [document] = reply.documents  # the file too, where the platform takes files
    assert document.link == BASE + token
    assert json.loads(document.content)["member"]["id"] == bob.member_id


def test_only_the_tokens_digest_is_stored(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    reply, token = mydata(bob)
    [row] = rows(runtime, tables.handover_tokens)
    assert row.digest == handovers.digest(token) and row.member_id == bob.member_id
    assert row.kind == HandoverKind.DOWNLOAD.value and row.used_at is None
    everything = repr(snapshot(runtime))
    assert token not in everything  # nowhere in the database, in any table
    assert token not in reply.documents[0].content.decode()  # the file lists the row, not the token
    exported = json.loads(reply.documents[0].content)["tables"]["handover_tokens.member_id"]
    assert [r["digest"] for r in exported] == [row.digest]


def test_a_download_works_once_and_gives_the_export_as_of_then(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    bob = people["bob"]
    _, token = mydata(bob)
    # Looking at it (a link preview, the page) uses nothing.
    for _ in range(3):
        assert privacy.download_state(runtime.uow(), token) is TokenState.LIVE
    assert not is_error(bob.say("/follow area Lyon"))  # done after /mydata
    clock.advance(minutes=5)
    found = privacy.download(runtime.uow(), token)
    assert found.member_id == bob.member_id and found.filename == f"possibles-mydata-{bob.member_id}.json"
    document = json.loads(found.content)
    assert document["format"] == privacy.EXPORT_FORMAT and document["member"]["id"] == bob.member_id
    assert document["tables"]["follows.member_id"]  # the follow made after the link was given
    assert document["exported_at"] == clock.now.isoformat()
    [row] = rows(runtime, tables.handover_tokens)
    assert row.used_at is not None
    # Once: used up, whoever asks and however often.
    before = snapshot(runtime)
    assert privacy.download_state(runtime.uow(), token) is TokenState.SPENT
    with pytest.raises(InvalidState):
        privacy.download(runtime.uow(), token)
    assert snapshot(runtime) == before


@pytest.mark.parametrize("settings", [Settings(privacy=PrivacySettings(download_minutes=5))])
def test_a_download_link_expires_after_the_setting(runtime: Runtime, people: People, clock: Clock) -> None:
    bob = people["bob"]
    reply, token = mydata(bob)
    assert "5 minutes" in link_of(reply).label
    clock.advance(minutes=4, seconds=59)
    assert privacy.download_state(runtime.uow(), token) is TokenState.LIVE
    clock.advance(seconds=1)
    assert privacy.download_state(runtime.uow(), token) is TokenState.SPENT
    before = snapshot(runtime)
    with pytest.raises(InvalidState):
        privacy.download(runtime.uow(), token)
    assert snapshot(runtime) == before


def test_the_default_link_works_fifteen_minutes(runtime: Runtime, people: People, clock: Clock) -> None:
    _, token = mydata(people["bob"])
    clock.advance(minutes=14, seconds=59)
    assert privacy.download_state(runtime.uow(), token) is TokenState.LIVE
    clock.advance(seconds=1)
    assert privacy.download_state(runtime.uow(), token) is TokenState.SPENT


def test_each_mydata_gives_a_new_link_and_the_earlier_ones_still_work_once(
    runtime: Runtime, people: People
) -> None:
    bob = people["bob"]
    _, first = mydata(bob)
    _, second = mydata(bob)
    assert first != second
    assert privacy.download(runtime.uow(), second).member_id == bob.member_id
    assert privacy.download(runtime.uow(), first).member_id == bob.member_id


def test_an_unknown_token_or_one_of_another_kind_downloads_nothing(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    bob.say("/start")
    hand_over = handovers.mint(runtime.uow(), bob.member_id, Handover(HandoverKind.COMMAND, "mydata"))
    forget = handovers.mint(runtime.uow(), bob.member_id, Handover(HandoverKind.PRESS, privacy.FORGET_ACTION))
    before = snapshot(runtime)
    for token in ("", "nothing-like-a-token", "A" * 22, hand_over, forget):
        assert privacy.download_state(runtime.uow(), token) is TokenState.UNKNOWN, token
        with pytest.raises(NotFound):
            privacy.download(runtime.uow(), token)
    assert snapshot(runtime) == before
    # ...and those tokens still work their own way.
    assert handovers.check(runtime.uow(), bob.member_id, hand_over).action == "mydata"


def test_a_download_token_is_no_hand_over_to_the_chat(runtime: Runtime, people: People) -> None:
    """Given to a chat's /start (``t`` + token), a download token is refused
    like a spent hand-over, and it still downloads afterwards."""
    bob = people["bob"]
    _, token = mydata(bob)
    before = snapshot(runtime)
    reply = bob.say(f"/start t{token}")
    assert "expired or was already used" in text_of(reply)
    with pytest.raises(InvalidState):
        handovers.redeem(runtime.uow(), bob.member_id, token)
    with pytest.raises(StaleAction):
        privacy.forget(runtime.uow(), bob.member_id, token)
    assert snapshot(runtime) == before
    assert privacy.download(runtime.uow(), token).member_id == bob.member_id


def test_a_forgotten_members_link_dies_with_them(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    _, token = mydata(bob)
    bob_id = bob.member_id
    bob.say("/forget")
    assert not is_error(bob.press("Erase everything"))
    assert rows(runtime, tables.handover_tokens, tables.handover_tokens.c.member_id == bob_id) == []
    assert privacy.download_state(runtime.uow(), token) is TokenState.UNKNOWN
    with pytest.raises(NotFound):
        privacy.download(runtime.uow(), token)


def test_a_link_minted_before_a_merge_downloads_the_merged_member(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    assert not is_error(bob.say("/follow area Lyon"))  # bob has a history: he is the one kept
    bob_tg = other(people, "bob")
    _, token = mydata(bob_tg)
    assert not is_error(bob_tg.say(f"/link {code_of(bob)}"))
    found = privacy.download(runtime.uow(), token)
    assert found.member_id == bob.member_id == bob_tg.member_id
    platforms = {r["platform"] for r in json.loads(found.content)["tables"]["identities.member_id"]}
    assert platforms == {"test", "tg"}


@pytest.mark.parametrize("settings", [Settings(public_base_url="")])
def test_without_web_pages_mydata_sends_the_file_alone(runtime: Runtime, people: People) -> None:
    reply = people["bob"].say("/mydata")
    assert not is_error(reply), text_of(reply)
    assert not [a for card in reply.cards for a in card.actions if a.url]
    assert "web" not in text_of(reply)
    [document] = reply.documents
    assert document.link is None
    assert rows(runtime, tables.handover_tokens) == []  # nothing minted
