"""Notifications through the chat as people use it: who hears of what, quiet
hours, and a ledger that loses nothing and sends nothing twice whatever the
platform answers. A fake platform (tests/fakes/sender.py) stands behind the
Sender port; pacing runs on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from core.bootstrap import Runtime
from core.config import GoalSettings, Settings
from core.domain.members import Identity
from core.services import admin, deliveries, members, platform_chats
from core.storage import tables
from notifications.router import CURSOR
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import Clock, People, Person, is_error, propose, text_of


@pytest.fixture
def settings() -> Settings:
    """Small goals, so a few people reach one."""
    return Settings(goals=GoalSettings(commune=3, department=5, region=8, nation=10))


@pytest.fixture
def loop(runtime: Runtime) -> NotificationLoop:
    return NotificationLoop(runtime, FakeSender("test"))


def moderator(runtime: Runtime, person: Person) -> Person:
    person.member_id  # noqa: B018  (the member exists once they spoke)
    admin.grant_role(runtime.uow(), f"test:{person.name}", "moderator")
    return person


def report(person: Person, initiative_id: int) -> None:
    person.say(f"/report {initiative_id}")
    person.press("Spam")
    assert not is_error(person.press("No note"))


def hidden_by_reports(people: People, author: str = "alice") -> int:
    initiative_id = propose(people, author)
    for name in ("rita", "remy", "rose"):
        report(people[name], initiative_id)
    return initiative_id


def rows(runtime: Runtime, *where: object) -> list[deliveries.DeliveryView]:
    d = tables.deliveries.c
    with runtime.uow() as uow:
        ids = list(uow.session.scalars(select(d.id).where(*where).order_by(d.id)))  # type: ignore[arg-type]
    return [deliveries.get_delivery(runtime.uow(), i) for i in ids]


# --- who hears of what -----------------------------------------------------------


def test_a_decision_reaches_the_author_with_its_reason_and_the_moderators_card_is_edited(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    mod = moderator(runtime, people["mod"])
    initiative_id = hidden_by_reports(people)
    loop.run()
    (card,) = loop.sender.to("mod")
    assert card.cards[0].ref == "review:1" and card.edit_ref is None
    assert any(a.payload == "v1:md:1:remove" for a in card.cards[0].actions)
    assert loop.sender.to("alice") == []  # hiding pending review is not a decision

    mod.say("/queue")
    mod.press("Remove")
    loop.run()
    (notice,) = loop.sender.texts("alice")
    assert f"decision on your initiative #{initiative_id}" in notice
    assert "Decision #1: removed." in notice and "Reason: spam" in notice
    assert "Appeal #1" in notice  # the button to appeal, once
    card, edit = loop.sender.to("mod")
    assert edit.edit_ref == "1"  # the platform's id of the card sent before
    assert "Decision #1: removed, by mod." in loop.sender.texts("mod")[1]
    assert all(not c.actions for c in edit.cards)  # the decision's buttons are gone


def test_the_queue_goes_to_each_platforms_moderators_chat_instead_of_each_moderator(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    moderator(runtime, people["mod"])
    boss = people["boss"]
    boss.member_id  # noqa: B018
    admin.grant_role(runtime.uow(), "test:boss", "admin")
    platform_chats.set_chat(runtime.uow(), boss.member_id, "test", "moderators", "-100")
    hidden_by_reports(people)
    loop.run()
    assert [m.address for m in loop.sender.delivered] == ["-100"]
    (group,) = rows(runtime, tables.deliveries.c.kind == "review")
    assert group.is_group and group.member_id is None


def test_a_dismissal_tells_the_author_nothing(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    mod = moderator(runtime, people["mod"])
    hidden_by_reports(people)
    mod.say("/queue")
    mod.press("Dismiss")
    loop.run()
    assert loop.sender.to("alice") == []
    assert loop.sender.to("mod") == []  # decided before its card went: no card, no edit
    assert rows(runtime, tables.deliveries.c.state == "skipped")


def test_an_official_response_reaches_supporters_and_followers_only(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    people["carl"].say(f"/follow {initiative_id}")
    people["dora"].say("/help")  # a member who does not care
    olga = people["olga"]
    olga.member_id  # noqa: B018
    admin.verify_official(runtime.uow(), "test:olga", "69123", "Maire de Lyon")
    loop.run()
    olga.say(f"/respond {initiative_id}")
    olga.press("I support it")
    olga.say("We will plant the trees in the autumn.")
    assert not is_error(olga.press("Publish"))
    loop.run()
    for name in ("alice", "bob", "carl"):
        (text,) = loop.sender.texts(name)
        assert f"An official answered #{initiative_id}" in text
        assert "We will plant the trees in the autumn." in text
    assert loop.sender.to("dora") == [] and loop.sender.to("olga") == []


def test_goal_reached_alerts_the_author_and_the_officials_of_the_area_with_a_respond_button(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    for name in ("olga", "paul"):
        people[name].member_id  # noqa: B018
    admin.verify_official(runtime.uow(), "test:olga", "69", "Présidente du Rhône")  # above Lyon
    admin.verify_official(runtime.uow(), "test:paul", "75056", "Maire de Paris")
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    people["carl"].say(f"/join {initiative_id}")  # the third: a commune needs 3 here
    loop.run()
    (author,) = loop.sender.texts("alice")
    assert f"Your initiative #{initiative_id} reached its goal: 3 supporters!" in author
    (official,) = loop.sender.to("olga")
    assert "awaits your response" in loop.sender.texts("olga")[0]
    assert f"v1:or:{initiative_id}" in [a.payload for c in official.cards for a in c.actions]
    assert loop.sender.to("paul") == []
    (row,) = rows(runtime, tables.deliveries.c.address == "olga")
    assert row.kind == "official"


def test_the_first_volunteer_alerts_the_author_once(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/volunteer {initiative_id}")
    people["carl"].say(f"/volunteer {initiative_id}")
    loop.run()
    texts = loop.sender.texts("alice")
    assert len([t for t in texts if "first volunteer" in t]) == 1


def test_an_appeal_reaches_the_moderators_and_its_outcome_the_author(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    mod, other = moderator(runtime, people["mod"]), moderator(runtime, people["other"])
    hidden_by_reports(people)
    mod.say("/queue")
    mod.press("Hide")
    people["alice"].say("/appeal 1 The trees are real, please look again.")
    loop.run()
    appeal_card = loop.sender.to("other")[-1]
    assert appeal_card.cards[0].ref == "review:2"
    other.say("/queue")
    other.press("Overturn")
    loop.run()
    assert "was accepted: the decision is undone" in loop.sender.texts("alice")[-1]
    assert loop.sender.to("other")[-1].edit_ref is not None  # the appeal's card shows the outcome


def test_a_report_on_a_member_reaches_the_moderators_once(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    moderator(runtime, people["mod"])
    troll = people["troll"]
    for name in ("rita", "remy"):
        people[name].say(f"/report member {troll.member_id}")
        people[name].press("Spam")
        people[name].press("No note")
    loop.run()
    assert len(loop.sender.to("mod")) == 1


# --- quiet hours -------------------------------------------------------------------


def test_quiet_hours_hold_alerts_until_morning_but_not_the_moderators_queue(
    runtime: Runtime, people: People, loop: NotificationLoop, clock: Clock
) -> None:
    mod = moderator(runtime, people["mod"])
    hidden_by_reports(people)
    clock.now = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    loop.run()
    assert len(loop.sender.to("mod")) == 1  # the queue never waits
    mod.say("/queue")
    mod.press("Remove")
    loop.run()
    assert loop.sender.to("alice") == []
    assert len(loop.sender.to("mod")) == 2  # the card's edit did not wait either
    (held,) = rows(runtime, tables.deliveries.c.address == "alice")
    assert held.not_before == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    clock.now = datetime(2026, 3, 3, 6, 59, tzinfo=UTC)
    loop.run()
    assert loop.sender.to("alice") == []
    clock.now = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    loop.run()
    assert len(loop.sender.to("alice")) == 1


def test_quiet_command_sets_shows_and_removes_quiet_hours(
    runtime: Runtime, people: People, loop: NotificationLoop, clock: Clock
) -> None:
    alice = people["alice"]
    assert "Between 22:00 and 08:00 (Europe/Paris)" in text_of(alice.say("/quiet"))
    assert "Between 23:30 and 06:00" in text_of(alice.say("/quiet 23h30-6h"))
    refused = alice.say("/quiet 25:00-08:00")
    assert is_error(refused) and "/quiet 22:00-08:00" in text_of(refused)
    assert "Between 23:30 and 06:00" in text_of(alice.say("/quiet"))  # unchanged
    assert "No quiet hours" in text_of(alice.press("No quiet hours"))
    assert "Between 22:00 and 08:00" in text_of(alice.press("22:00–08:00"))
    alice.say("/quiet off")
    mod = moderator(runtime, people["mod"])
    hidden_by_reports(people)
    clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    mod.say("/queue")
    mod.press("Remove")
    loop.run()
    assert len(loop.sender.to("alice")) == 1  # no quiet hours: at once
    forged = alice.press_payload("v1:qh:9999:x")
    assert is_error(forged)


# --- delivery guarantees -------------------------------------------------------------


def respond(runtime: Runtime, people: People, name: str, area: str, initiative_id: int, text: str) -> None:
    official = people[name]
    official.member_id  # noqa: B018
    admin.verify_official(runtime.uow(), f"test:{name}", area, f"Élu {name}")
    official.say(f"/respond {initiative_id}")
    official.press("I support it")
    official.say(text)
    assert not is_error(official.press("Publish"))


def many_alerts(runtime: Runtime, people: People, count: int) -> int:
    """``count`` members (alice and p0, p1...) hear of an official response."""
    initiative_id = propose(people, "alice")
    for n in range(count - 1):
        people[f"p{n}"].say(f"/follow {initiative_id}")
    respond(runtime, people, "olga", "69123", initiative_id, "Yes.")
    return initiative_id


def drain_with_time(loop: NotificationLoop, clock: Clock, rounds: int = 40) -> None:
    """Send, let the backoffs pass, send again... until nothing is left."""
    for _ in range(rounds):
        loop.run()
        summary = deliveries.pending_summary(loop.runtime.uow(), ["test"])
        if not summary.pending and not summary.sending:
            return
        clock.advance(minutes=11)
    raise AssertionError("deliveries still pending")


def test_with_a_fifth_of_sends_failing_everything_arrives_exactly_once(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    sender = FakeSender("test", fault_rate=0.2, faults=("429", "5xx", "refused"), seed=4)
    loop = NotificationLoop(runtime, sender)
    many_alerts(runtime, people, 40)
    drain_with_time(loop, clock)
    faults = [c for c in sender.calls if c.answer != "sent"]
    assert len(faults) >= 5  # the faults did happen
    copies = sender.copies()
    assert len(copies) == 40 and set(copies.values()) == {1}
    assert {r.state for r in rows(runtime)} == {"sent"}
    assert all(r.uncertain == 0 for r in rows(runtime))


def test_an_unknown_outcome_is_retried_once_counted_and_never_a_third_time(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    many_alerts(runtime, people, 2)  # alice and p0
    loop.sender.fail_next("timeout", "lost")  # alice's: taken, answer lost; p0's: never arrived
    loop.run()
    clock.advance(minutes=1)
    loop.run()
    alice, p0 = rows(runtime)
    assert (alice.state, alice.uncertain, p0.state, p0.uncertain) == ("sent", 1, "sent", 1)
    assert loop.sender.copies()[alice.id] == 2  # the one unknowable case: one extra copy
    assert loop.sender.copies()[p0.id] == 1
    ledger = deliveries.ledger(runtime.uow())
    assert (ledger.uncertain_retries, ledger.uncertain_deliveries) == (2, 2)


def test_a_second_unknown_outcome_fails_the_delivery_for_an_admin_to_retry(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    many_alerts(runtime, people, 1)
    loop.sender.fail_next("timeout", "timeout")
    drain_with_time(loop, clock)
    (row,) = rows(runtime)
    assert row.state == "failed" and row.uncertain == 1
    assert "unknown outcome twice" in (row.last_error or "")
    assert loop.sender.copies()[row.id] == 2  # never a third
    clock.advance(hours=2)
    loop.run()
    assert loop.sender.copies()[row.id] == 2
    deliveries.retry(runtime.uow(), row.id)  # the admin decides it did not arrive
    loop.run()
    assert rows(runtime)[0].state == "sent"


def test_transient_errors_give_up_after_the_configured_attempts_and_rejections_at_once(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    many_alerts(runtime, people, 2)
    attempts = runtime.settings.notifications.max_attempts
    loop.sender.fail_next("rejected", *["5xx"] * attempts)
    drain_with_time(loop, clock)
    first, second = rows(runtime)
    assert (first.state, first.attempts) == ("failed", 1)
    assert "Bad Request" in (first.last_error or "")
    assert (second.state, second.attempts) == ("failed", attempts)
    assert f"gave up after {attempts} attempts" in (second.last_error or "")
    assert deliveries.retry_failed(runtime.uow()) == 2
    loop.run()
    assert {r.state for r in rows(runtime)} == {"sent"}


def test_a_blocked_member_is_skipped_until_they_write_again(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    initiative_id = many_alerts(runtime, people, 2)
    loop.sender.block("p0")
    loop.run()
    assert [r.state for r in rows(runtime)] == ["sent", "unreachable"]
    i = tables.identities.c
    with runtime.uow() as uow:
        assert uow.session.scalar(select(i.unreachable).where(i.external_id == "p0")) is True
    respond(runtime, people, "rhone", "69", initiative_id, "The department helps.")
    loop.run()
    assert len(rows(runtime, tables.deliveries.c.address == "p0")) == 1  # skipped: no new row
    assert len(loop.sender.to("alice")) == 2
    loop.sender.unblock("p0")
    people["p0"].say("/help")  # writing again makes them reachable
    with runtime.uow() as uow:
        assert uow.session.scalar(select(i.unreachable).where(i.external_id == "p0")) is False
    respond(runtime, people, "region", "R84", initiative_id, "The region too.")
    loop.run()
    assert "The region too." in loop.sender.texts("p0")[-1]


def test_crashes_anywhere_lose_nothing_and_send_nothing_twice(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    many_alerts(runtime, people, 3)
    # 1. a crash after the outbox commit: nothing routed yet, nothing lost.
    assert rows(runtime) == []
    loop.route()
    assert len(rows(runtime)) == 3
    # 2. routed again from an older cursor (a crash before it moved): no duplicate.
    with runtime.uow() as uow:
        c = tables.outbox_cursors.c
        uow.session.execute(update(tables.outbox_cursors).where(c.name == CURSOR).values(position=0))
        uow.commit()
    loop.route()
    assert len(rows(runtime)) == 3
    # 3. a crash in the middle of sending: one claimed, never answered.
    first = rows(runtime)[0]
    assert deliveries.claim(runtime.uow(), first.id) is not None
    loop.drain()  # a new process: the claimed one counts as uncertain...
    assert len(loop.sender.delivered) == 2
    clock.advance(minutes=1)  # ... and goes after its backoff, once
    loop.drain()
    copies = loop.sender.copies()
    assert len(copies) == 3 and set(copies.values()) == {1}
    states = {r.id: (r.state, r.uncertain) for r in rows(runtime)}
    assert states[first.id] == ("sent", 1)
    assert sorted(states.values()) == [("sent", 0), ("sent", 0), ("sent", 1)]
    loop.run()
    assert len(loop.sender.delivered) == 3


def test_old_events_routed_late_do_not_become_alerts(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    many_alerts(runtime, people, 2)
    clock.advance(days=3)  # the notifications were down for three days
    loop.run()
    assert loop.sender.delivered == []
    with runtime.uow() as uow:
        position = uow.session.scalar(select(func.max(tables.outbox_cursors.c.position)))
        assert position == uow.session.scalar(select(func.max(tables.outbox.c.id)))


def test_identity_languages_and_several_platforms(runtime: Runtime, people: People) -> None:
    """A member with two platform identities hears on both, in their language."""
    web = FakeSender("other")
    loop = NotificationLoop(runtime, FakeSender("test"), web)
    initiative_id = propose(people, "alice")
    alice_id = people["alice"].member_id
    with runtime.uow() as uow:
        uow.session.execute(
            tables.identities.insert().values(
                member_id=alice_id, platform="other", external_id="a-1", created_at=runtime.clock()
            )
        )
        uow.commit()
    members.set_language(runtime.uow(), alice_id, "fr")
    members.enter(runtime.uow(), Identity("other", "a-1"), "Alice", None, runtime.settings)
    people["bob"].say(f"/volunteer {initiative_id}")
    loop.run()
    assert "premier volontaire" in loop.senders[0].texts("alice")[0]
    assert "premier volontaire" in web.texts("a-1")[0]


def test_the_moderators_chat_sees_the_decision_in_its_own_language_not_the_moderators(
    runtime: Runtime, people: People, loop: NotificationLoop
) -> None:
    french = Runtime(runtime.settings.model_copy(update={"default_language": "fr"}), runtime.database)
    loop = NotificationLoop(french, FakeSender("test"))
    mod = moderator(runtime, people["mod"])  # speaks English
    people["boss"].member_id  # noqa: B018
    admin.grant_role(runtime.uow(), "test:boss", "admin")
    platform_chats.set_chat(runtime.uow(), people["boss"].member_id, "test", "moderators", "-100")
    hidden_by_reports(people)
    loop.run()
    (card,) = loop.sender.to("-100")
    mod.say("/queue")
    mod.press("Remove")
    loop.run()
    edit = loop.sender.to("-100")[-1]
    assert card.edit_ref is None and edit.edit_ref is not None
    decided = loop.sender.texts("-100")[-1]
    assert "Décision n°1\u00a0:" in decided and "Decision #1" not in decided
