"""News posts, comments and an initiative's timeline."""

from __future__ import annotations

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.domain.contributions import Comment, Post
from core.domain.initiatives import Initiative
from core.domain.members import Mandate
from core.domain.responses import Response
from core.presentation.cards import Reply
from core.storage import tables
from tests.support import Clock, People, is_error, propose, text_of


def count(runtime: Runtime, table: object) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def outbox(runtime: Runtime, name: str) -> list[dict[str, object]]:
    o = tables.outbox.c
    with runtime.uow() as uow:
        return [dict(p) for p in uow.session.scalars(select(o.payload).where(o.name == name).order_by(o.id))]


def timeline_lines(reply: Reply) -> list[str]:
    card = next(c for c in reply.cards if c.ref and c.ref.startswith("timeline:"))
    return list(card.lines)


def test_only_the_author_and_volunteers_post_news(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    refused = people["bob"].say(f"/post {initiative_id} We meet on Monday")
    assert is_error(refused) and "Only the author and the volunteers" in text_of(refused)
    forged = people["bob"].press_payload(f"v1:tn:{initiative_id}")
    assert is_error(forged) and "Only the author and the volunteers" in text_of(forged)
    assert count(runtime, tables.posts) == 0 and outbox(runtime, "post_published") == []
    people["carol"].say(f"/volunteer {initiative_id}")
    published = people["carol"].say(f"/post {initiative_id} Carol brings the spades")
    assert not is_error(published), text_of(published)
    assert "Carol brings the spades" in text_of(published)
    assert not is_error(people["alice"].say(f"/post {initiative_id} Alice booked the room"))
    assert count(runtime, tables.posts) == 2


def test_news_reaches_supporters_at_most_every_three_days(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    assert "supporters will hear of it" in text_of(alice.say(f"/post {initiative_id} First news"))
    clock.advance(days=1)
    quiet = alice.say(f"/post {initiative_id} Second news")
    assert not is_error(quiet) and "without a notification" in text_of(quiet)
    clock.advance(days=2)  # three days after the first notified post
    assert "will hear" in text_of(alice.say(f"/post {initiative_id} Third news"))
    assert [e["notify"] for e in outbox(runtime, "post_published")] == [True, False, True]
    with runtime.uow() as uow:
        assert uow.session.get_one(Initiative, initiative_id).last_news_at == clock.now
    assert count(runtime, tables.posts) == 3


def test_post_and_comment_take_their_text_in_the_next_message(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice, bob = people["alice"], people["bob"]
    asked = alice.say(f"/post {initiative_id}")
    assert "Send the news" in text_of(asked)
    done = alice.say("The town hall answered our letter.\nWe meet on Friday.")
    assert "News published" in text_of(done)
    assert "hall answered" in text_of(done)
    assert "did not understand" in text_of(alice.say("Hello?"))  # the flow is over
    bob.say(f"/timeline {initiative_id}")
    bob.press("Comment")
    bob.say("Count me in!")
    assert count(runtime, tables.comments) == 1
    bob.say(f"/comment {initiative_id}")
    too_long = bob.say("x" * 1001)
    assert is_error(too_long) and "1,001 characters, at most 1,000" in text_of(too_long)
    assert count(runtime, tables.comments) == 1
    assert not is_error(bob.say("y" * 1000))  # the flow stayed open for another try
    assert count(runtime, tables.comments) == 2
    assert len(outbox(runtime, "comment_posted")) == 2


def test_comment_rules(runtime: Runtime, people: People, clock: Clock) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    too_long = bob.say(f"/comment {initiative_id} " + "x" * 1001)
    assert is_error(too_long) and "too long" in text_of(too_long)
    assert "Send your comment" in text_of(bob.say(f"/comment {initiative_id}  "))  # asks for the text
    for n in range(runtime.settings.limits.comments_per_day):
        assert not is_error(bob.say(f"/comment {initiative_id} Comment {n}"))
    limited = bob.say(f"/comment {initiative_id} One more")
    assert is_error(limited) and "limit of 30 comments" in text_of(limited)
    assert count(runtime, tables.comments) == 30
    clock.advance(days=1, seconds=1)
    assert not is_error(bob.say(f"/comment {initiative_id} Next day"))
    with runtime.uow() as uow:
        from core.services.members import get_member

        get_member(uow, people["carol"].member_id).suspend(None)
        uow.commit()
    suspended = people["carol"].say(f"/comment {initiative_id} Let me in")
    assert is_error(suspended) and "suspended" in text_of(suspended)
    assert count(runtime, tables.comments) == 31


def test_daily_news_limit(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    for n in range(runtime.settings.limits.posts_per_day):
        assert not is_error(people["alice"].say(f"/post {initiative_id} News {n}"))
    limited = people["alice"].say(f"/post {initiative_id} Too much")
    assert is_error(limited) and "limit of 10 news posts" in text_of(limited)
    assert count(runtime, tables.posts) == 10


def test_no_writing_on_withdrawn_or_hidden_initiatives(runtime: Runtime, people: People) -> None:
    withdrawn = propose(people, "alice")
    people["alice"].say(f"/withdraw {withdrawn}")
    people["alice"].press("Withdraw the initiative")
    refused = people["alice"].say(f"/post {withdrawn} Never mind")
    assert is_error(refused) and "withdrawn" in text_of(refused)
    assert is_error(people["bob"].say(f"/comment {withdrawn} Pity"))
    hidden = propose(people, "carol", title="Another idea for the square")
    with runtime.uow() as uow:
        uow.session.get_one(Initiative, hidden).visibility = "hidden"
        uow.commit()
    assert is_error(people["carol"].say(f"/post {hidden} Still here"))
    assert is_error(people["bob"].say(f"/comment {hidden} Hm"))
    assert is_error(people["bob"].say(f"/timeline {hidden}"))  # like its card
    assert not is_error(people["carol"].say(f"/timeline {hidden}"))  # its author still sees it
    assert count(runtime, tables.posts) == 0 and count(runtime, tables.comments) == 0


def test_timeline_tells_the_story_in_order_with_tombstones(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    clock.advance(hours=1)
    people["bob"].say(f"/comment {initiative_id} Great idea")
    clock.advance(hours=1)
    people["carol"].say(f"/comment {initiative_id} Rude words here")
    clock.advance(hours=1)
    people["alice"].say(f"/post {initiative_id} Removed news")
    clock.advance(hours=1)
    people["alice"].say(f"/post {initiative_id} We have the trees")
    clock.advance(hours=1)
    official = people["mayor"].member_id
    with runtime.uow() as uow:
        mandate = Mandate(member_id=official, area_id=4, title="Maire de Lyon", verified_at=clock.now)
        uow.session.add(mandate)
        uow.session.flush()
        assert mandate.id is not None
        uow.session.add(
            Response(
                initiative_id=initiative_id,
                mandate_id=mandate.id,
                official_id=official,
                position="will_study",
                body="The parks service will look at it.",
                created_at=clock.now,
                updated_at=clock.now,
            )
        )
        comments = uow.session.scalars(select(Comment).order_by(tables.comments.c.id)).all()
        comments[1].visibility = "hidden"
        posts = uow.session.scalars(select(Post).order_by(tables.posts.c.id)).all()
        posts[0].visibility = "removed"
        uow.commit()
    clock.advance(hours=1)
    people["dave"].say(f"/counter {initiative_id}")
    people["dave"].say("A playground instead of trees")
    people["dave"].say("Children first: a shaded playground.")
    people["dave"].say("Lyon")
    people["dave"].press("Lyon")
    people["dave"].press("Environment")
    people["dave"].press("Publish")
    clock.advance(hours=1)
    people["alice"].say(f"/progress {initiative_id} in_action")

    reader = people["zoe"]
    first = reader.say(f"/timeline {initiative_id}")
    assert not first.edit
    lines = timeline_lines(first)
    assert len(lines) == 5
    assert "Proposed by alice" in lines[0]
    assert "Great idea" in lines[1] and "bob" in lines[1]
    assert "hidden pending the moderators' review" in lines[2] and "Rude" not in text_of(first)
    assert "carol" not in lines[2]
    assert "removed by the moderators" in lines[3] and "Removed news" not in text_of(first)
    assert "We have the trees" in lines[4]
    assert "Page 1 of 2" in text_of(first)
    second = reader.press("▶")
    assert second.edit
    lines = timeline_lines(second)
    assert "mayor, Maire de Lyon — will study it" in lines[0] and "parks service" in lines[0]
    assert "Counter-proposal #2 by dave: A playground instead" in lines[1]
    assert "Now in action" in lines[2]
    assert len(lines) == 3 and "▶" not in text_of(second)
    # Reporting buttons only for what is visible and can be reported.
    payloads = [a.payload for c in first.cards for a in c.actions]
    assert "v1:r:c:1" in payloads and "v1:r:c:2" not in payloads and "v1:r:p:1" not in payloads
    assert "v1:r:p:2" in payloads
    assert text_of(reader.say(f"/timeline {initiative_id} 2")) == text_of(second)


def test_timeline_button_of_the_card_and_french(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    zoe = people["zoe"]
    zoe.say("/lang fr")
    zoe.say(f"/show {initiative_id}")
    reply = zoe.press("Fil")
    assert not reply.edit  # a new message under the card
    assert "Proposée par alice" in text_of(reply)
    assert "Commenter" in text_of(reply) and "Publier une actualité" not in text_of(reply)
    assert "Post news" in text_of(people["alice"].say(f"/timeline {initiative_id}"))
    assert is_error(zoe.say("/timeline 99"))
    assert is_error(zoe.say("/timeline x"))


def test_a_comment_answers_with_the_last_page_wherever_it_falls(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    for n in range(1, 11):
        clock.advance(minutes=1)
        assert not is_error(people[f"p{n}"].say(f"/comment {initiative_id} Comment number {n} here"))
    clock.advance(minutes=1)
    reply = people["bob"].say(f"/comment {initiative_id} The newest comment of all")
    lines = timeline_lines(reply)
    # The creation and eleven comments: twelve entries, three pages of five.
    assert "Page 3 of 3" in text_of(reply)
    assert len(lines) == 2
    assert "Comment number 10" in lines[0] and "The newest comment of all" in lines[1]
    first = people["zoe"].say(f"/timeline {initiative_id}")
    assert "Proposed by alice" in timeline_lines(first)[0] and "Page 1 of 3" in text_of(first)
    past = people["zoe"].say(f"/timeline {initiative_id} 9")
    assert is_error(past) and "no page 9: the list has 3 pages" in text_of(past)
