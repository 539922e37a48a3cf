"""Links to the private chat act for nobody: a hand-over from a group carries a
token minted for one member and one action (random, single-use, expiring), and
what it hands over is confirmed in private before anything happens.

Before this, ``t.me/<bot>?start=p-j-4`` signed initiative 4 for whoever opened
the link, and ``p-md-4-remove`` made a moderator remove content."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.members import Identity, Role
from core.errors import Forbidden, InvalidState
from core.presentation.context import Speaker
from core.presentation.payloads import build
from core.services import flows, handovers
from core.services.handovers import Handover, HandoverKind
from core.storage import tables
from tests.support import Clock, People, is_error, text_of
from tests.unit.test_moderation import grant, publish, reported_thrice

LINK = "https://t.me/possibles_test_bot?start="


def speaker(name: str, *, group: bool = False) -> Speaker:
    return Speaker(
        Identity("test", name),
        name,
        "en",
        in_group=group,
        chat_address="-100" if group else name,
        private_link=LINK,
    )


def snapshot(runtime: Runtime) -> dict[str, list[Any]]:
    """Every row of every table, to show that nothing at all was written."""
    with runtime.uow() as uow:
        return {
            table.name: sorted(map(repr, uow.session.execute(select(table)).all()))
            for table in tables.metadata.sorted_tables
        }


def start_parameter(reply_url: str | None) -> str:
    assert reply_url is not None and reply_url.startswith(LINK)
    return reply_url[len(LINK) :]


def test_every_forged_start_parameter_acts_for_nobody(runtime: Runtime, people: People, clock: Clock) -> None:
    hidden = reported_thrice(runtime, people, clock)  # a review item awaits a moderator
    initiative_id = publish(runtime, people["alice"], title="Benches by the river")
    grant(runtime, people["mod"])
    for name in ("alice", "mod", "carol"):
        people[name].say("/start")
    item_id = next(c.ref for c in people["mod"].say("/queue").cards if c.ref and c.ref.startswith("review:"))
    forged = {
        "carol": [
            f"p-j-{initiative_id}",
            f"p-v-{initiative_id}",
            f"report-i-{initiative_id}",
            "propose-Trees-everywhere",
            f"join-{initiative_id}",
            f"p-r-i-{initiative_id}",
        ],
        "alice": [f"p-wi-{initiative_id}", f"p-wi-{hidden}", "appeal-1-unfair"],
        "mod": [f"p-md-{item_id.split(':')[1]}-remove", f"p-md-{item_id.split(':')[1]}-hide"],
    }
    forged_tokens = ["t", "tAAAAAAAAAAAAAAAAAAAAAA", "t" + "x" * 63, "t" + "x" * 80, "p-hc-x", "tp-j-1"]
    before = snapshot(runtime)
    for name, parameters in forged.items():
        for parameter in [*parameters, *forged_tokens]:
            reply = runtime.chat().command(speaker(name), "start", parameter)
            assert "Welcome" in text_of(reply) or "expired" in text_of(reply), (parameter, text_of(reply))
            assert snapshot(runtime) == before, parameter
    for name in forged:
        assert flows.current(runtime.uow(), people[name].member_id) is None


def test_a_private_command_in_a_group_hands_over_with_a_token_for_that_member(
    runtime: Runtime, people: People
) -> None:
    people["bob"].say("/start")
    reply = runtime.chat().command(speaker("alice", group=True), "propose", "Trees everywhere")
    (button,) = reply.cards[0].actions
    parameter = start_parameter(button.url)
    assert parameter.startswith("t") and "propose" not in parameter  # the link names no action
    alice = people["alice"].member_id
    assert flows.current(runtime.uow(), alice) is None  # nothing begun in public

    # Bob opens Alice's link: nothing happens, and the link still works for her.
    before = snapshot(runtime)
    stolen = runtime.chat().command(speaker("bob"), "start", parameter)
    assert is_error(stolen) and "made for someone else" in text_of(stolen)
    assert snapshot(runtime) == before

    # Alice opens it: she is asked to confirm, nothing has begun yet.
    asked = runtime.chat().command(speaker("alice"), "start", parameter)
    assert "You typed /propose Trees everywhere in the group. Go on here?" in text_of(asked)
    assert flows.current(runtime.uow(), alice) is None
    (confirm,) = asked.cards[0].actions
    assert is_error(runtime.chat().press(speaker("bob"), confirm.payload))  # Bob cannot confirm it either
    started = runtime.chat().press(speaker("alice"), confirm.payload)
    assert "Describe it" in text_of(started)  # the title came along: the next step
    conversation = flows.current(runtime.uow(), alice)
    assert conversation is not None and conversation.data["title"] == "Trees everywhere"

    # Once: the link and the button are used up.
    again = runtime.chat().press(speaker("alice"), confirm.payload)
    assert is_error(again) and "expired or was already used" in text_of(again)
    assert "expired or was already used" in text_of(
        runtime.chat().command(speaker("alice"), "start", parameter)
    )


def test_a_press_handed_over_is_confirmed_in_private_before_it_acts(runtime: Runtime, people: People) -> None:
    initiative_id = publish(runtime, people["alice"])
    carol = people["carol"].member_id
    parameter = runtime.chat().hand_over(speaker("carol", group=True), build("j", initiative_id), "🙌 Join")
    # A random token, not the press: nothing in it names the action or the initiative.
    assert parameter is not None and re.fullmatch(r"t[A-Za-z0-9_-]{20,}", parameter)
    with runtime.uow() as uow:
        stored = set(uow.session.scalars(select(tables.handover_tokens.c.digest)))
    assert handovers.digest(parameter[1:]) in stored
    assert runtime.chat().hand_over(speaker("carol", group=True), "v1:zz", None) is None  # not one of ours

    before = snapshot(runtime)
    asked = runtime.chat().command(speaker("carol"), "start", parameter)
    assert "You pressed “🙌 Join” in the group. Go on here?" in text_of(asked)
    assert snapshot(runtime) == before  # opening the link joined nothing
    (confirm,) = asked.cards[0].actions
    joined = runtime.chat().press(speaker("carol"), confirm.payload)
    assert not is_error(joined) and "You support" in text_of(joined)
    with runtime.uow() as uow:
        s = tables.supports.c
        supporters = set(uow.session.scalars(select(s.member_id).where(s.initiative_id == initiative_id)))
    assert supporters == {people["alice"].member_id, carol}


def test_a_token_expires_and_is_refused_to_anyone_else(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    alice, bob = people["alice"].member_id, people["bob"].member_id
    token = handovers.mint(runtime.uow(), alice, Handover(HandoverKind.COMMAND, "report", "i 1"))
    assert len(token) >= 22
    with pytest.raises(Forbidden):
        handovers.redeem(runtime.uow(), bob, token)
    assert handovers.check(runtime.uow(), alice, token).args == "i 1"
    clock.advance(seconds=handovers.TTL.total_seconds() + 1)
    with pytest.raises(InvalidState):
        handovers.check(runtime.uow(), alice, token)
    with pytest.raises(InvalidState):
        handovers.redeem(runtime.uow(), alice, token)
    # A fresh one works exactly once.
    fresh = handovers.mint(runtime.uow(), alice, Handover(HandoverKind.PRESS, build("j", 1), label="Join"))
    assert fresh != token
    assert handovers.redeem(runtime.uow(), alice, fresh).action == "v1:j:1"
    with pytest.raises(InvalidState):
        handovers.redeem(runtime.uow(), alice, fresh)
    # Only digests are stored: the table alone opens no link.
    with runtime.uow() as uow:
        digests = set(uow.session.scalars(select(tables.handover_tokens.c.digest)))
    assert token not in digests and fresh not in digests and len(digests) == 2


def test_a_moderators_press_cannot_be_handed_over_to_someone_else(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"], Role.MODERATOR)
    item = next(c.ref for c in people["mod"].say("/queue").cards if c.ref and c.ref.startswith("review:"))
    payload = build("md", item.split(":")[1], "remove")
    parameter = runtime.chat().hand_over(speaker("mod", group=True), payload, "🗑 Remove")
    assert parameter is not None
    before = snapshot(runtime)
    other = runtime.chat().command(speaker("mod2"), "start", parameter)
    assert is_error(other) and snapshot(runtime) == before
