"""Authors editing what they wrote: an initiative until someone else joins it,
posts and comments at any time with their history public, deleting a comment,
and the title and description lengths that /propose, /counter and /edit share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.domain.contributions import Comment, Post
from core.domain.initiatives import Initiative, Visibility
from core.domain.members import Identity
from core.domain.moderation import ReviewItem
from core.presentation.cards import Reply
from core.presentation.context import Speaker
from core.storage import tables
from notifications.router import Router
from tests.support import People, Person, is_error, propose, text_of

DESCRIPTION = "The square has no shade in summer; plant ten lime trees."


def rows(runtime: Runtime, table: Any) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def outbox(runtime: Runtime, name: str) -> list[dict[str, object]]:
    o = tables.outbox.c
    with runtime.uow() as uow:
        return [dict(p) for p in uow.session.scalars(select(o.payload).where(o.name == name).order_by(o.id))]


def initiative(runtime: Runtime, initiative_id: int) -> tuple[str, str, str]:
    with runtime.uow() as uow:
        found = uow.session.get_one(Initiative, initiative_id)
        return found.title, found.description, found.search_key


def labels(reply: Reply) -> list[str]:
    return [a.label for card in reply.cards for a in card.actions]


def timeline_lines(reply: Reply) -> list[str]:
    card = next(c for c in reply.cards if c.ref and c.ref.startswith("timeline:"))
    return list(card.lines)


def last_id(runtime: Runtime, cls: type[Any]) -> int:
    with runtime.uow() as uow:
        found = uow.session.scalars(select(cls).order_by(cls.id.desc())).first()
        assert found is not None
        return int(found.id)


def conversation(runtime: Runtime, person: Person) -> tuple[str, str] | None:
    c = tables.conversations.c
    with runtime.uow() as uow:
        row = uow.session.execute(select(c.flow, c.step).where(c.member_id == person.member_id)).first()
        return (str(row[0]), str(row[1])) if row else None


# --- an initiative, until someone else joins ----------------------------------


def test_the_author_edits_title_and_description_until_someone_joins(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice, bob = people["alice"], people["bob"]
    card = alice.say(f"/show {initiative_id}")
    assert "✎ Edit" in labels(card)
    assert "✎ Edit" not in labels(bob.say(f"/show {initiative_id}"))  # not his
    in_group = runtime.chat().command(
        Speaker(Identity(alice.platform, alice.name), alice.name, "en", in_group=True),
        "show",
        str(initiative_id),
    )
    assert "✎ Edit" not in labels(in_group)  # a card in a group is neutral

    asked = alice.press("✎ Edit")
    assert "Send the new title" in text_of(asked) and "Trees on the village square" in text_of(asked)
    assert conversation(runtime, alice) == ("edit", "title")  # the flow lives in the database
    short = alice.say("Trees")
    assert is_error(short) and "The title has 5 characters; it needs 15 to 120." in text_of(short)
    assert "new description" in text_of(alice.say("Lime trees on the village square"))
    assert conversation(runtime, alice) == ("edit", "description")
    too_short = alice.say("Shade, please.")
    assert is_error(too_short) and "The description has 14 characters; it needs 30 to 2,000." in text_of(
        too_short
    )
    done = alice.say("Ten lime trees for shade on the village square, planted this autumn.")
    assert not is_error(done) and "Initiative #1 updated." in text_of(done)
    assert "Lime trees on the village square" in text_of(done)
    title, description, search_key = initiative(runtime, initiative_id)
    assert (title, description) == (
        "Lime trees on the village square",
        "Ten lime trees for shade on the village square, planted this autumn.",
    )
    assert "autumn" in search_key  # found by its new words
    assert conversation(runtime, alice) is None
    assert outbox(runtime, "initiative_edited") == [
        {"initiative_id": initiative_id, "author_id": alice.member_id}
    ]

    forged = bob.press_payload(f"v1:ei:{initiative_id}")
    assert is_error(forged) and "Only the author" in text_of(forged)
    bob.say(f"/join {initiative_id}")
    refused = alice.say(f"/edit {initiative_id}")
    assert is_error(refused)
    assert "can no longer be edited: 1 person has joined it" in text_of(refused)
    assert "✎ Edit" not in labels(alice.say(f"/show {initiative_id}"))
    assert conversation(runtime, alice) is None
    assert initiative(runtime, initiative_id)[0] == "Lime trees on the village square"
    assert len(outbox(runtime, "initiative_edited")) == 1


def test_someone_joining_during_the_edit_stops_it_and_changes_nothing(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    alice.say(f"/edit {initiative_id}")
    alice.press("Keep the title")
    people["bob"].say(f"/volunteer {initiative_id}")
    refused = alice.say("A different description, long enough to be taken.")
    assert is_error(refused) and "1 person has joined it" in text_of(refused)
    assert initiative(runtime, initiative_id)[1] == DESCRIPTION
    assert outbox(runtime, "initiative_edited") == []


def test_keeping_both_saves_the_same_text_and_hidden_initiatives_are_not_edited(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    alice.say(f"/edit {initiative_id}")
    alice.press("Keep the title")
    assert "Initiative #1 updated." in text_of(alice.press("Keep the description"))
    assert initiative(runtime, initiative_id)[:2] == ("Trees on the village square", DESCRIPTION)
    with runtime.uow() as uow:
        uow.session.get_one(Initiative, initiative_id).visibility = Visibility.HIDDEN
        uow.commit()
    hidden = alice.say(f"/edit {initiative_id}")
    assert is_error(hidden) and "hidden pending the moderators' review" in text_of(hidden)


def test_editing_an_initiative_in_french(runtime: Runtime, people: People) -> None:
    zoe = people["zoe"]
    zoe.language = "fr"
    initiative_id = propose(people, "alice")
    alice = people["alice"]
    alice.say("/lang fr")
    alice.say(f"/edit {initiative_id}")
    short = alice.say("Arbres")
    assert "Le champ «\u00a0titre\u00a0» fait 6 caractères\u00a0; il en faut de 15 à 120." in text_of(short)
    zoe.say(f"/join {initiative_id}")
    refused = alice.say(f"/edit {initiative_id}")
    assert "L'initiative n°1 ne peut plus être modifiée\u00a0: 1 personne l'a rejointe" in text_of(refused)


def test_propose_and_counter_share_the_length_rule(runtime: Runtime, people: People) -> None:
    original = propose(people, "alice")
    bob = people["bob"]
    typed = bob.say("/propose Trees")
    assert is_error(typed) and "The title has 5 characters; it needs 15 to 120." in text_of(typed)
    assert conversation(runtime, bob) is None
    bob.say(f"/counter {original}")
    assert is_error(bob.say("Playground"))
    bob.say("A shaded playground instead")
    short = bob.say("Children first.")
    assert is_error(short) and "The description has 15 characters; it needs 30 to 2,000." in text_of(short)
    assert conversation(runtime, bob) == ("propose", "description")  # another try
    fr = people["zoe"]
    fr.language = "fr"
    fr.say("/propose")
    long = fr.say("x" * 121)
    assert "Le champ «\u00a0titre\u00a0» fait 121 caractères\u00a0; il en faut de 15 à 120." in text_of(long)


# --- posts and comments -------------------------------------------------------


def test_comments_and_posts_are_edited_with_their_history_public(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    bob.say(f"/comment {initiative_id} I can bring a ladder")
    comment_id = last_id(runtime, Comment)
    alice.say(f"/post {initiative_id} We meet on Monday")
    post_id = last_id(runtime, Post)

    refused = carol.say(f"/editcomment {comment_id} Carol was here")
    assert is_error(refused) and "Only its author" in text_of(refused)
    forged = carol.press_payload(f"v1:ee:c:{comment_id}")
    assert is_error(forged) and "Only its author" in text_of(forged)

    edited = bob.say(f"/editcomment {comment_id} I can bring two ladders")
    assert not is_error(edited) and f"Comment #{comment_id} edited." in text_of(edited)
    page = carol.say(f"/timeline {initiative_id}")
    line = next(x for x in timeline_lines(page) if "ladders" in x)
    assert line.endswith("💬 Comment #1 by bob: I can bring two ladders (edited)")
    assert "a ladder" not in "\n".join(timeline_lines(page))
    assert not any(label.startswith("✎") for label in labels(page))  # carol wrote nothing here
    history = carol.press("🕘")
    text = text_of(history)
    assert "Comment #1 by bob: its versions" in text
    assert text.index("I can bring two ladders") < text.index("I can bring a ladder")  # newest first

    page = alice.say(f"/timeline {initiative_id}")
    alice.press("✎")  # her post: the comment is bob's
    assert conversation(runtime, alice) == ("edit_post", "text")
    done = alice.say("We meet on Tuesday, not Monday")
    assert f"News post #{post_id} edited." in text_of(done)
    assert "We meet on Monday" in text_of(done)  # the former version, in public
    assert rows(runtime, tables.revisions) == 2
    assert outbox(runtime, "comment_edited") == [
        {"initiative_id": initiative_id, "comment_id": comment_id, "author_id": bob.member_id}
    ]
    assert outbox(runtime, "post_edited") == [
        {"initiative_id": initiative_id, "post_id": post_id, "author_id": alice.member_id}
    ]


def test_edits_are_screened_count_towards_no_limit_and_hidden_content_stays(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    bob = people["bob"]
    for n in range(runtime.settings.limits.comments_per_day):
        bob.say(f"/comment {initiative_id} Comment {n}")
    comment_id = last_id(runtime, Comment)
    for n in range(3):
        assert not is_error(bob.say(f"/editcomment {comment_id} Second thoughts, take {n}"))
    assert rows(runtime, tables.review_items) == 0
    assert not is_error(bob.say(f"/editcomment {comment_id} Sieg heil to everyone"))
    with runtime.uow() as uow:
        assert uow.session.get_one(Comment, comment_id).flagged
        (item,) = uow.session.scalars(select(ReviewItem)).all()
        assert (item.target_type, item.target_id, item.cause) == ("comment", comment_id, "screening")
        uow.session.get_one(Comment, comment_id).visibility = Visibility.HIDDEN
        uow.commit()
    hidden = bob.say(f"/editcomment {comment_id} Nothing to see")
    assert is_error(hidden) and "hidden pending" in text_of(hidden)
    with runtime.uow() as uow:
        uow.session.get_one(Comment, comment_id).visibility = Visibility.REMOVED
        uow.commit()
    removed = bob.say(f"/editcomment {comment_id} Nothing to see")
    assert is_error(removed) and "removed" in text_of(removed)
    assert rows(runtime, tables.revisions) == 4
    history = people["carol"].press_payload(f"v1:hv:c:{comment_id}")
    assert is_error(history) and "Sieg" not in text_of(history)


# --- deleting a comment ---------------------------------------------------------


def test_a_comment_deleted_by_its_author_leaves_a_tombstone_and_nothing_else(
    runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    bob, carol = people["bob"], people["carol"]
    bob.say(f"/comment {initiative_id} Sieg heil, everyone")  # flagged by the word list
    comment_id = last_id(runtime, Comment)
    bob.say(f"/editcomment {comment_id} Sieg heil, everyone, again")
    carol.say(f"/timeline {initiative_id}")
    carol.press("⚑")
    carol.press("Spam")
    carol.press("No note")
    assert rows(runtime, tables.reports) == 1

    assert is_error(carol.press_payload(f"v1:dcy:{comment_id}"))  # not hers
    bob.say(f"/timeline {initiative_id}")
    confirm = bob.press("🗑")
    assert "Delete comment #1?" in text_of(confirm)
    assert rows(runtime, tables.revisions) == 1  # asking deletes nothing
    done = bob.press("Delete")
    assert not is_error(done) and "Comment #1 deleted." in text_of(done)

    page = carol.say(f"/timeline {initiative_id}")
    text = "\n".join(timeline_lines(page))
    assert "💬 Comment #1 deleted by its author." in text and "Sieg" not in text
    assert not any(label.startswith(("⚑", "🕘")) for label in labels(page))
    with runtime.uow() as uow:
        assert uow.session.get_one(Comment, comment_id).body == ""
        open_items = uow.session.scalars(select(ReviewItem).where(tables.review_items.c.closed_at.is_(None)))
        assert list(open_items) == []  # the review it waited for is over
    assert rows(runtime, tables.revisions) == 0
    assert outbox(runtime, "comment_deleted") == [
        {"initiative_id": initiative_id, "comment_id": comment_id, "author_id": bob.member_id}
    ]
    again = bob.press_payload(f"v1:dcy:{comment_id}")
    assert is_error(again) and "deleted by its author" in text_of(again)
    assert is_error(bob.say(f"/editcomment {comment_id} Back again"))
    reported = people["dave"].say(f"/report comment {comment_id}")
    assert is_error(reported)
    history = carol.press_payload(f"v1:hv:c:{comment_id}")
    assert is_error(history) and "Sieg" not in text_of(history)
    fr = people["zoe"]
    fr.language = "fr"
    assert "💬 Commentaire n°1 supprimé par son auteur." in text_of(fr.say(f"/timeline {initiative_id}"))


def test_edits_and_deletions_notify_nobody(runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    people["bob"].say(f"/comment {initiative_id} I can bring a ladder")
    people["alice"].say(f"/post {initiative_id} We meet on Monday")
    router = Router(runtime, gap_seconds=0)
    router.route_all()
    before = rows(runtime, tables.deliveries)
    comment_id, post_id = last_id(runtime, Comment), last_id(runtime, Post)
    people["bob"].say(f"/editcomment {comment_id} I can bring two ladders")
    people["alice"].say(f"/editpost {post_id} We meet on Tuesday")
    people["bob"].say(f"/deletecomment {comment_id}")
    people["bob"].press("Delete")
    assert router.route_all() == 3
    assert rows(runtime, tables.deliveries) == before
