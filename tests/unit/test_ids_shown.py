"""The numbers people need are shown where they need them: a command that
takes a comment, a post or a member can be given what the chat displays."""

from __future__ import annotations

from sqlalchemy import select

from core.bootstrap import Runtime
from core.domain.contributions import Comment
from core.services import admin
from core.storage import tables
from tests.support import People, is_error, propose, text_of


def test_the_timeline_shows_comment_and_post_numbers_its_buttons_and_notices_name(
    runtime: Runtime, people: People
) -> None:
    first = propose(people, "alice")
    second = propose(people, "alice", title="Benches along the river")
    people["bob"].say(f"/comment {second} A comment elsewhere")  # comment #1
    people["bob"].say(f"/comment {first} Great idea")  # comment #2
    people["carol"].say(f"/comment {first} Rude words here")  # comment #3
    people["alice"].say(f"/post {first} We have the trees")  # post #1
    with runtime.uow() as uow:
        uow.session.scalars(select(Comment).where(tables.comments.c.id == 3)).one().visibility = "hidden"
        uow.commit()
    reader = people["zoe"]
    text = text_of(reader.say(f"/timeline {first}"))
    assert "Comment #2 by bob: Great idea" in text
    assert "Comment #3: hidden pending the moderators' review." in text
    assert "News #1 from alice:" in text
    # The ⚑ of line 2 reports comment #2, and the report names it as the line does.
    reported = text_of(reader.press("⚑ 2"))
    assert "comment #2" in reported.lower()
    fr = people["yves"]
    fr.language = "fr"
    text = text_of(fr.say(f"/timeline {first}"))
    assert "Commentaire n°2 de bob\u00a0: Great idea" in text
    assert "Actualité n°1 de alice" in text


def test_officials_show_the_number_official_takes(runtime: Runtime, people: People) -> None:
    invite = admin.create_invite(runtime.uow(), "69123", "Maire de Lyon")
    assert not is_error(people["lou"].say(f"/claim {invite.code}"))
    lou = people["lou"].member_id
    shown = text_of(people["bob"].say("/officials Lyon"))
    assert f"lou (#{lou}) — Maire de Lyon" in shown
    assert "Maire de Lyon" in text_of(people["bob"].say(f"/official {lou}"))
    fr = people["yves"]
    fr.language = "fr"
    assert f"lou (n°{lou}) — Maire de Lyon" in text_of(fr.say("/officials Lyon"))


def test_the_queue_shows_the_authors_number(runtime: Runtime, people: People) -> None:
    people["mod"].member_id  # noqa: B018  (the member exists once they spoke)
    admin.grant_role(runtime.uow(), "test:mod", "moderator")
    initiative_id = propose(people, "alice")
    for name in ("rita", "remy", "rose"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Spam")
        people[name].press("No note")
    queue = text_of(people["mod"].say("/queue"))
    assert f"initiative #{initiative_id} by alice (#{people['alice'].member_id}):" in queue
