"""Moderation after publication, through the chat as people and moderators use it:
reports hide content at the threshold, moderators decide once and in the open,
authors appeal once to a different moderator."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.contributions import Comment
from core.domain.members import Identity, Role
from core.errors import PossiblesError, StaleAction
from core.services import initiatives, members, moderation
from core.services.initiatives import Proposal
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, Person, is_error, load_small_tree, text_of

# --- helpers -------------------------------------------------------------------


def grant(runtime: Runtime, person: Person, role: Role = Role.MODERATOR) -> None:
    """Give a role straight in the table (the admin tools are another feature)."""
    member_id = person.member_id
    with runtime.uow() as uow:
        uow.session.execute(insert(tables.member_roles).values(member_id=member_id, role=role.value))
        uow.commit()


def lyon(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == "69123")))


def publish(
    runtime: Runtime, person: Person, title: str = "Trees on the village square", text: str = ""
) -> int:
    proposal = Proposal(title, text or "The square has no shade in summer.", lyon(runtime), "environment")
    return initiatives.propose(runtime.uow(), person.member_id, proposal, runtime.settings)


def report(person: Person, what: str, reason: str = "Spam", note: str | None = None) -> str:
    """The guided report: /report TYPE ID, a reason button, a note or "No note"."""
    first = person.say(f"/report {what}")
    if is_error(first):
        return text_of(first)
    person.press(reason)
    reply = person.say(note) if note is not None else person.press("No note")
    return text_of(reply)


def visibility(runtime: Runtime, initiative_id: int) -> str:
    with runtime.uow() as uow:
        i = tables.initiatives.c
        return str(uow.session.scalar(select(i.visibility).where(i.id == initiative_id)))


def events(runtime: Runtime, name: str) -> list[dict[str, Any]]:
    with runtime.uow() as uow:
        o = tables.outbox.c
        return [dict(p) for p in uow.session.scalars(select(o.payload).where(o.name == name).order_by(o.id))]


def count(runtime: Runtime, table: Any, *where: Any) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def points(runtime: Runtime, person: Person, reason: str) -> int:
    p = tables.points.c
    return count(runtime, tables.points, p.member_id == person.member_id, p.reason == reason)


def status(runtime: Runtime, initiative_id: int) -> tuple[str, str]:
    with runtime.uow() as uow:
        i = tables.initiatives.c
        row = uow.session.execute(select(i.visibility, i.status).where(i.id == initiative_id)).one()
    return str(row[0]), str(row[1])


def open_items(runtime: Runtime) -> int:
    return count(runtime, tables.review_items, tables.review_items.c.closed_at.is_(None))


def reported_thrice(runtime: Runtime, people: People, clock: Clock, author: str = "alice") -> int:
    """An initiative of ``author`` hidden by three distinct reports."""
    initiative_id = publish(runtime, people[author])
    for who in ("bob", "carol", "dave"):
        assert "Thank you" in report(people[who], f"initiative {initiative_id}")
    clock.advance(minutes=5)
    return initiative_id


# --- reports -------------------------------------------------------------------


def test_third_distinct_report_hides_the_content_and_opens_one_queue_item(
    runtime: Runtime, people: People
) -> None:
    initiative_id = publish(runtime, people["alice"])
    assert "Thank you, the moderators will look at it" in report(people["bob"], f"initiative {initiative_id}")
    assert "Thank you" in report(people["carol"], f"initiative {initiative_id}", "Hate")
    shown = people["eve"].say(f"/show {initiative_id}")
    assert not is_error(shown) and "Hidden" not in text_of(shown)
    assert visibility(runtime, initiative_id) == "visible" and open_items(runtime) == 0

    # The third reporter types a note instead of pressing "No note".
    assert "Thank you" in report(people["dave"], f"initiative {initiative_id}", "Hate", note="Nazi slogans")
    assert visibility(runtime, initiative_id) == "hidden"
    assert is_error(people["eve"].say(f"/show {initiative_id}"))
    assert open_items(runtime) == 1
    assert [e["reports"] for e in events(runtime, "content_reported")] == [1, 2, 3]
    assert len(events(runtime, "content_hidden")) == 1

    # Hidden content is already before the moderators: no fourth report, no excerpt shown.
    fourth = report(people["frank"], f"initiative {initiative_id}", "Harassment")
    assert "already hidden" in fourth and "village square" not in fourth
    assert open_items(runtime) == 1 and count(runtime, tables.reports) == 3
    grant(runtime, people["mod"])
    queue = people["mod"].say("/queue")
    cards = [c for c in queue.cards if c.ref and c.ref.startswith("review:")]
    assert len(cards) == 1
    text = text_of(queue)
    assert "3 reports: hate ×2, spam ×1" in text
    assert "Trees on the village square — The square has no shade" in text
    assert "Note: Nazi slogans" in text
    assert "Hidden pending this review" in text
    assert {a.label for a in cards[0].actions} >= {"✔ Dismiss", "🙈 Hide", "🗑 Remove", "⚠ Warn", "⛔ Suspend"}


def test_the_same_member_reporting_twice_gets_a_clear_answer_and_counts_once(
    runtime: Runtime, people: People
) -> None:
    initiative_id = publish(runtime, people["alice"])
    report(people["bob"], f"initiative {initiative_id}")
    again = report(people["bob"], f"initiative {initiative_id}")
    assert "You already reported this" in again
    assert count(runtime, tables.reports) == 1
    assert [e["reports"] for e in events(runtime, "content_reported")] == [1]


def test_own_content_cannot_be_reported(runtime: Runtime, people: People) -> None:
    initiative_id = publish(runtime, people["alice"])
    assert "cannot report your own content" in report(people["alice"], f"initiative {initiative_id}")
    payload = f"v1:r:m:{people['alice'].member_id}"
    assert "cannot report your own" in text_of(people["alice"].press_payload(payload))
    assert count(runtime, tables.reports) == 0


def test_reports_are_refused_to_suspended_members_and_beyond_the_daily_limit(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    runtime.settings.limits.reports_per_day = 2
    ids = [publish(runtime, people["alice"], f"Initiative number {n}") for n in range(3)]
    report(people["bob"], f"initiative {ids[0]}")
    report(people["bob"], f"initiative {ids[1]}")
    assert "limit of 2 reports" in report(people["bob"], f"initiative {ids[2]}")
    clock.advance(days=1, minutes=1)
    assert "Thank you" in report(people["bob"], f"initiative {ids[2]}")

    with runtime.uow() as uow:
        members.get_member(uow, people["carol"].member_id).suspend(None)
        uow.commit()
    assert "suspended" in report(people["carol"], f"initiative {ids[0]}")


def test_bad_report_input_is_refused_clearly(runtime: Runtime, people: People) -> None:
    bob = people["bob"]
    assert "/report initiative 12" in text_of(bob.say("/report"))
    assert "There is no initiative #99" in text_of(bob.say("/report initiative 99"))
    assert "There is no comment #5" in text_of(bob.press_payload("v1:r:c:5"))
    assert "no longer valid" in text_of(bob.press_payload("v1:r:x:5"))
    initiative_id = publish(runtime, people["alice"])
    bob.say(f"/report initiative {initiative_id}")
    assert "Unknown reason" in text_of(bob.press_payload("v1:rr:boring"))
    bob.say(f"/report initiative {initiative_id}")
    bob.press("Spam")
    assert "too long" in text_of(bob.say("x" * 501))
    assert count(runtime, tables.reports) == 0
    assert "Thank you" in text_of(bob.say("shorter"))  # the flow is still waiting for the note


# --- the queue is for moderators -------------------------------------------------


def test_non_moderators_see_no_queue_and_forged_decisions_change_nothing(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    refused = people["mallory"].say("/queue")
    assert is_error(refused) and "for moderators only" in text_of(refused)
    item_id = 1
    for payload in (f"v1:md:{item_id}:remove", f"v1:md:{item_id}:suspend", f"v1:md:{item_id}:suspend:0"):
        reply = people["mallory"].press_payload(payload)
        assert is_error(reply) and "for moderators only" in text_of(reply)
    assert "for moderators only" in text_of(people["mallory"].say(f"/decide {item_id} dismiss"))
    assert visibility(runtime, initiative_id) == "hidden"
    assert open_items(runtime) == 1 and count(runtime, tables.decisions) == 0
    assert not events(runtime, "decision_taken")


def test_dismiss_shows_the_content_again_and_is_in_the_public_log_without_names(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    decided = people["mod"].press("Dismiss")
    assert decided.edit and not decided.cards[0].actions
    assert decided.cards[0].ref == "review:1"
    assert "report dismissed, by mod" in text_of(decided)
    assert visibility(runtime, initiative_id) == "visible"
    assert not is_error(people["eve"].say(f"/show {initiative_id}"))
    assert "The review queue is empty" in text_of(people["mod"].say("/queue"))

    log = text_of(people["eve"].say("/modlog"))
    assert f"initiative #{initiative_id}: report dismissed" in log and "spam" not in log
    for name in ("bob", "carol", "dave", "mod"):
        assert name not in log
    assert points(runtime, people["bob"], "report_upheld") == 0

    # Reports after a dismissal count again from zero.
    clock.advance(minutes=1)
    report(people["erin"], f"initiative {initiative_id}")
    report(people["frank"], f"initiative {initiative_id}")
    assert visibility(runtime, initiative_id) == "visible"
    report(people["grace"], f"initiative {initiative_id}")
    assert visibility(runtime, initiative_id) == "hidden" and open_items(runtime) == 1


def test_hide_keeps_the_initiative_out_of_view_and_rewards_the_reporters(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    assert "hidden, by mod" in text_of(people["mod"].press("Hide"))
    assert visibility(runtime, initiative_id) == "hidden"
    assert is_error(people["eve"].say(f"/show {initiative_id}"))
    assert not is_error(people["alice"].say(f"/show {initiative_id}"))  # its author still sees it
    for who in ("bob", "carol", "dave"):
        assert points(runtime, people[who], "report_upheld") == 1
    [taken] = events(runtime, "decision_taken")
    assert taken["action"] == "hide" and taken["author_id"] == people["alice"].member_id
    assert taken["reason"] == "spam"


def test_remove_leaves_a_tombstone_closes_the_initiative_and_costs_its_author(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/decide 1 remove advertising for a shop")
    with runtime.uow() as uow:
        i = tables.initiatives.c
        row = uow.session.execute(select(i.visibility, i.status).where(i.id == initiative_id)).one()
    assert tuple(row) == ("removed", "closed")  # the row stays: a tombstone
    shown = people["eve"].say(f"/show {initiative_id}")
    assert is_error(shown) and f"#{initiative_id} was removed by the moderators" in text_of(shown)
    assert f"There is no initiative #{initiative_id}" in report(people["erin"], f"initiative {initiative_id}")
    assert points(runtime, people["alice"], "content_removed") == 1
    assert "removed — advertising for a shop" in text_of(people["eve"].say("/modlog"))
    assert [e["new"] for e in events(runtime, "initiative_status_changed")] == ["closed"]


def test_warn_leaves_the_content_published_and_tells_the_author_why(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    people["mod"].press("Warn")
    assert visibility(runtime, initiative_id) == "visible"
    [taken] = events(runtime, "decision_taken")
    assert taken["action"] == "warn" and taken["author_id"] == people["alice"].member_id
    mine = text_of(people["alice"].say("/appeal"))
    assert "author warned — spam" in mine and "Appeal #1" in mine


def test_a_suspended_author_can_read_but_not_act_until_the_clock_passes(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    other = publish(runtime, people["zoe"], "Benches by the river")
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    durations = people["mod"].press("Suspend")
    assert durations.edit and durations.cards[0].ref == "review:1"
    assert [a.label for a in durations.cards[0].actions][:5] == [
        "1 day",
        "3 days",
        "7 days",
        "30 days",
        "Permanently",
    ]
    assert count(runtime, tables.decisions) == 0  # nothing decided yet
    decided = people["mod"].press("3 days")
    assert "author suspended, by mod" in text_of(decided) and "Suspended until" in text_of(decided)
    assert visibility(runtime, initiative_id) == "hidden"
    assert events(runtime, "member_suspended")[0]["member_id"] == people["alice"].member_id

    alice = people["alice"]
    assert not is_error(alice.say(f"/show {other}"))
    refused = alice.say(f"/join {other}")
    assert is_error(refused) and "suspended until" in text_of(refused)
    clock.advance(days=3, minutes=1)
    assert not is_error(alice.say(f"/join {other}"))
    assert "author suspended (3 days)" in text_of(people["eve"].say("/modlog"))


def test_typed_decide_checks_its_arguments(runtime: Runtime, people: People, clock: Clock) -> None:
    reported_thrice(runtime, people, clock)
    mod = people["mod"]
    grant(runtime, mod)
    assert "dismiss, hide, remove, warn, suspend" in text_of(mod.say("/decide 1"))
    assert "for example /decide 3 dismiss" in text_of(mod.say("/decide 1 obliterate"))
    assert "Suspend for 1, 3, 7, 30 days" in text_of(mod.say("/decide 1 suspend"))
    assert "Suspend for 1, 3, 7, 30 days" in text_of(mod.say("/decide 1 suspend 5"))
    assert "Choose: dismiss, hide" in text_of(mod.say("/decide 1 uphold"))
    assert "There is no review item #9" in text_of(mod.say("/decide 9 hide"))
    assert count(runtime, tables.decisions) == 0
    assert "Suspended permanently" in text_of(mod.say("/decide 1 suspend permanent threats"))
    with runtime.uow() as uow:
        assert members.get_member(uow, people["alice"].member_id).suspended_permanently


def test_a_moderator_cannot_decide_on_their_own_content(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    grant(runtime, people["alice"])
    initiative_id = reported_thrice(runtime, people, clock, author="alice")
    people["alice"].say("/queue")
    refused = people["alice"].press("Dismiss")
    assert is_error(refused) and "your own content" in text_of(refused)
    assert visibility(runtime, initiative_id) == "hidden" and open_items(runtime) == 1


def test_the_same_decide_button_pressed_twenty_times_decides_once(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    payload = next(a.payload for a in people["mod"].actions() if "Remove" in a.label)
    replies = [people["mod"].press_payload(payload) for _ in range(20)]
    assert not is_error(replies[0])
    assert all(is_error(r) and "Review #1 was already decided" in text_of(r) for r in replies[1:])
    assert count(runtime, tables.decisions) == 1
    assert len(events(runtime, "decision_taken")) == 1
    assert points(runtime, people["alice"], "content_removed") == 1
    assert points(runtime, people["bob"], "report_upheld") == 1


# --- appeals ---------------------------------------------------------------------


def test_an_author_appeals_once_and_a_different_moderator_overturns(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"])
    people["mod"].say("/queue")
    people["mod"].press("Remove")

    assert "Only the author" in text_of(people["bob"].say("/appeal 1 please"))
    alice = people["alice"]
    listing = alice.say("/appeal")
    assert "removed — spam" in text_of(listing)
    alice.press("Appeal #1")
    assert "Your appeal against decision #1 is filed" in text_of(alice.say("It was a real local project."))
    again = alice.say("/appeal 1 Please look again")
    assert is_error(again) and "already appealed decision #1" in text_of(again)
    assert "Appeal pending" in text_of(alice.say("/appeal"))
    assert len(events(runtime, "appeal_filed")) == 1

    queue = people["mod"].say("/queue")
    assert "Appeal against decision #1" in text_of(queue)
    assert "The author says: It was a real local project." in text_of(queue)
    assert [a.label for a in people["mod"].actions()][:2] == ["⚖ Uphold", "↩ Overturn"]
    refused = people["mod"].press("Overturn")
    assert is_error(refused) and "different moderator" in text_of(refused)

    people["mod2"].say("/queue")
    assert "appeal accepted, decision overturned, by mod2" in text_of(people["mod2"].press("Overturn"))
    with runtime.uow() as uow:
        i = tables.initiatives.c
        row = uow.session.execute(select(i.visibility, i.status).where(i.id == initiative_id)).one()
    assert tuple(row) == ("visible", "open")
    assert not is_error(people["eve"].say(f"/show {initiative_id}"))
    assert points(runtime, alice, "content_removed") == 0  # the overturned decision's points are void
    assert points(runtime, people["bob"], "report_upheld") == 0
    assert "Appeal accepted" in text_of(alice.say("/appeal"))
    [decided] = events(runtime, "appeal_decided")
    assert decided["upheld"] is False and decided["member_id"] == alice.member_id
    assert "appeal accepted, decision overturned" in text_of(people["eve"].say("/modlog"))


def test_an_appeal_against_a_suspension_can_be_filed_while_suspended_and_upheld(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"])
    people["mod"].say("/decide 1 suspend 30 repeated insults")
    alice = people["alice"]
    assert "is filed" in text_of(alice.say("/appeal 1 I apologise"))
    people["mod2"].say("/queue")
    assert "decision upheld" in text_of(people["mod2"].press("Uphold"))
    with runtime.uow() as uow:
        assert members.get_member(uow, alice.member_id).is_suspended(clock())
    assert "final" in text_of(alice.say("/appeal 2 and again"))


def test_an_overturned_suspension_is_lifted(runtime: Runtime, people: People, clock: Clock) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"])
    people["mod"].say("/decide 1 suspend 0")
    people["alice"].say("/appeal 1 Not me, a shared account.")
    people["mod2"].say("/decide 2 overturn")
    with runtime.uow() as uow:
        assert not members.get_member(uow, people["alice"].member_id).is_suspended(clock())


class TickingClock(Clock):
    """A clock that moves a millisecond at every reading, as a real one does
    between two reads (a frozen clock hid that a decision and the closing it
    caused were stamped apart)."""

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_an_overturned_removal_restores_exactly_the_status_the_initiative_had(
    database: Database, settings: Settings
) -> None:
    runtime = Runtime(settings, database, TickingClock())
    load_small_tree(runtime)
    people = People(runtime.chat())
    initiative_id = publish(runtime, people["alice"])
    assert not is_error(people["alice"].say(f"/progress {initiative_id} in_action"))
    for who in ("bob", "carol", "dave"):
        assert "Thank you" in report(people[who], f"initiative {initiative_id}")
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"])
    people["mod"].say("/decide 1 remove")
    assert status(runtime, initiative_id) == ("removed", "closed")
    people["alice"].say("/appeal 1 It is a real local project.")
    assert "decision overturned" in text_of(people["mod2"].say("/decide 2 overturn"))
    assert status(runtime, initiative_id) == ("visible", "in_action")
    assert [e["new"] for e in events(runtime, "initiative_status_changed")] == [
        "in_action",
        "closed",
        "in_action",
    ]


def suspended_twice(runtime: Runtime, people: People) -> Person:
    """Alice, suspended for 7 days over one initiative (decision 1) and for
    good over another (decision 2)."""
    alice = people["alice"]
    first, second = publish(runtime, alice), publish(runtime, alice, "Benches along the river bank")
    for initiative_id in (first, second):
        for who in ("bob", "carol", "dave"):
            assert "Thank you" in report(people[who], f"initiative {initiative_id}")
    grant(runtime, people["mod"])
    grant(runtime, people["mod2"])
    people["mod"].say("/decide 1 suspend 7")
    people["mod"].say("/decide 2 suspend 0")
    return alice


def test_overturning_one_suspension_leaves_the_others_standing(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    alice = suspended_twice(runtime, people)
    assert "is filed" in text_of(alice.say("/appeal 1 The first one was a misunderstanding."))
    assert "decision overturned" in text_of(people["mod2"].say("/decide 3 overturn"))
    clock.advance(days=8)
    with runtime.uow() as uow:
        member = members.get_member(uow, alice.member_id)
        assert member.is_suspended(clock()) and member.suspended_permanently
    other = publish(runtime, people["bob"], "Shade for the school yard")
    refused = alice.say(f"/join {other}")
    assert is_error(refused) and "suspended" in text_of(refused)


def test_overturning_a_permanent_suspension_leaves_a_shorter_one_running(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    alice = suspended_twice(runtime, people)
    alice.say("/appeal 2 Not me, a shared account.")
    assert "decision overturned" in text_of(people["mod2"].say("/decide 3 overturn"))
    with runtime.uow() as uow:
        member = members.get_member(uow, alice.member_id)
        assert not member.suspended_permanently and member.is_suspended(clock())
    clock.advance(days=8)
    with runtime.uow() as uow:
        assert not members.get_member(uow, alice.member_id).is_suspended(clock())


def test_dismissals_cannot_be_appealed(runtime: Runtime, people: People, clock: Clock) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/decide 1 dismiss")
    assert "nothing to appeal" in text_of(people["alice"].say("/appeal 1 why"))
    assert "Appeal #" not in text_of(people["alice"].say("/appeal"))


# --- members and other content -------------------------------------------------------


def test_reporting_a_member_opens_a_review_item_and_they_cannot_be_hidden(
    runtime: Runtime, people: People
) -> None:
    troll = people["troll"]
    assert "Thank you" in report(people["bob"], f"member {troll.member_id}", "Harassment")
    assert open_items(runtime) == 1
    grant(runtime, people["mod"])
    queue = people["mod"].say("/queue")
    assert f"member #{troll.member_id} by troll" in text_of(queue)
    assert [a.label for a in people["mod"].actions()][:3] == ["✔ Dismiss", "⚠ Warn", "⛔ Suspend"]
    refused = people["mod"].press_payload("v1:md:1:hide")
    assert "A member cannot be hidden or removed" in text_of(refused)
    assert open_items(runtime) == 1
    people["mod"].press_payload("v1:md:1:suspend:7")
    with runtime.uow() as uow:
        assert members.get_member(uow, troll.member_id).is_suspended(uow.now())


def test_a_comment_reported_from_its_button_is_removed_with_a_tombstone(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = publish(runtime, people["alice"])
    with runtime.uow() as uow:
        comment = Comment(
            initiative_id, people["bob"].member_id, "Buy cheap watches at example.com", uow.now()
        )
        uow.session.add(comment)
        uow.commit()
    assert comment.id is not None
    for who in ("carol", "dave", "erin"):
        first = people[who].press_payload(f"v1:r:c:{comment.id}")
        assert "Why are you reporting comment" in text_of(first) and "cheap watches" in text_of(first)
        people[who].press("Spam")
        people[who].press("No note")
    grant(runtime, people["mod"])
    people["mod"].say("/queue")
    people["mod"].press("Remove")
    with runtime.uow() as uow:
        stored = uow.session.get(Comment, comment.id)
        assert stored is not None and stored.visibility == "removed"
    assert "There is no comment" in text_of(people["frank"].press_payload(f"v1:r:c:{comment.id}"))
    assert f"comment #{comment.id}: removed" in text_of(people["eve"].say("/modlog"))


# --- screening -------------------------------------------------------------------


def test_screening_flags_new_content_for_review_without_hiding_it(runtime: Runtime, people: People) -> None:
    initiative_id = publish(
        runtime, people["alice"], "A march through town", "Sieg heil to everyone who comes"
    )
    assert visibility(runtime, initiative_id) == "visible"
    assert not is_error(people["eve"].say(f"/show {initiative_id}"))
    [flagged] = events(runtime, "content_flagged")
    assert flagged["words"] == ["sieg heil"]
    grant(runtime, people["mod"])
    queue = text_of(people["mod"].say("/queue"))
    assert "flagged by the word list" in queue and "Still visible" in queue
    assert "Sieg heil to everyone" in queue  # the excerpt shows the description too
    people["mod"].press("Remove")
    assert "removed — flagged by the word list" in text_of(people["eve"].say("/modlog"))


def test_clean_content_is_not_flagged(runtime: Runtime, people: People) -> None:
    publish(
        runtime,
        people["alice"],
        "Bike lanes to the schools",
        "Safe bike lanes to the schools, on every street",
    )
    assert not events(runtime, "content_flagged") and open_items(runtime) == 0


def test_french_members_read_reasons_and_decisions_in_french(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    reported_thrice(runtime, people, clock)
    grant(runtime, people["mod"])
    people["mod"].say("/decide 1 hide")
    zoe = people["zoe"]
    zoe.language = "fr"
    zoe.say("/lang fr")
    log = text_of(zoe.say("/modlog"))
    assert "Journal de la modération" in log and "l'initiative n°1\u00a0: masquage — spam" in log


# --- at the same moment ------------------------------------------------------------


def test_twenty_simultaneous_presses_decide_once(shared_database: Database) -> None:
    settings = Settings()
    runtime = Runtime(settings, shared_database)
    load_small_tree(runtime)

    def member(name: str) -> int:
        return members.enter(runtime.uow(), Identity("test", name), name, "en", settings).id

    author, moderator = member("author"), member("mod")
    with runtime.uow() as uow:
        uow.session.execute(insert(tables.member_roles).values(member_id=moderator, role="moderator"))
        uow.commit()
    initiative_id = initiatives.propose(
        runtime.uow(),
        author,
        Proposal("Trees on the square", "Shade on the square in the summer", lyon(runtime), "environment"),
        settings,
    )
    for name in ("r1", "r2", "r3"):
        moderation.report(runtime.uow(), member(name), "initiative", initiative_id, "spam", None, settings)
    with runtime.uow() as uow:
        item_id = int(uow.session.scalar(select(tables.review_items.c.id)))

    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press() -> None:
        barrier.wait()
        try:
            moderation.decide(runtime.uow(), moderator, item_id, "hide", "", settings)
            result = "decided"
        except StaleAction as error:
            result = error.key
        except PossiblesError as error:  # pragma: no cover - shown by the assertion
            result = f"unexpected {error.key}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=press) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["decided"] + ["error.review_already_decided"] * 19
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(tables.decisions)) == 1
        p = tables.points.c
        assert uow.session.scalar(select(func.count()).where(p.reason == "report_upheld")) == 3


def test_a_hidden_initiative_cannot_progress_and_the_refusal_changes_nothing(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = reported_thrice(runtime, people, clock)
    before = len(events(runtime, "initiative_status_changed"))
    refused = people["alice"].say(f"/progress {initiative_id} in_action")
    assert is_error(refused) and "hidden pending the moderators' review" in text_of(refused)
    assert status(runtime, initiative_id) == ("hidden", "open")
    assert len(events(runtime, "initiative_status_changed")) == before
