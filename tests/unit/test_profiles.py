"""/profile and /me: the public card and one's own with its settings;
hiding from leaderboards and profiles (still earning points, still seeing
one's own rank; moderators see it in private, a group never)."""

from __future__ import annotations

import pytest

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.members import Identity
from core.presentation.context import Speaker
from core.services import admin, profiles
from core.services.leaderboards import Period
from core.services.standing import leaderboard
from tests.support import People, is_error, propose, text_of, with_badges
from tests.unit.test_officials import LYON, answer, make_official


@pytest.fixture
def settings() -> Settings:
    return with_badges()


def _field(reply_text: str, label: str) -> str:
    for line in reply_text.splitlines():
        if line.startswith(f"{label}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"no field {label!r} in {reply_text}")


def test_a_profile_shows_rung_points_rank_badges_and_counts(runtime: Runtime, people: People) -> None:
    people["alice"].say("/area Lyon")
    people["alice"].press("Lyon")
    idea = propose(people, "alice")
    people["bob"].say(f"/join {idea}")
    card = text_of(people["bob"].say("/profile alice"))
    assert "alice (#1)" in card and "🏅 First initiative" in card
    assert _field(card, "Participation") == "creator"
    assert _field(card, "Points") == "6"
    assert _field(card, "Rank in Lyon") == "#1"
    assert (_field(card, "Initiatives proposed"), _field(card, "Initiatives achieved")) == ("1", "0")
    assert "Language" not in card and not people["bob"].actions()  # not bob's settings
    assert text_of(people["bob"].say(f"/profile #{people['alice'].member_id}")) == card
    # bob joined: a joiner with no badge, no home area, so no rank line.
    bob = text_of(people["alice"].say("/profile bob"))
    assert _field(bob, "Participation") == "joiner" and "No badge yet." in bob and "Rank in" not in bob


def test_an_officials_profile_counts_their_responses(runtime: Runtime, people: People) -> None:
    idea = propose(people, "alice")
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    answer(people, "mayor", idea, "I support it", "We will plant them in spring.")
    assert _field(text_of(people["bob"].say("/profile mayor")), "Responses as an official") == "1"
    alice = text_of(people["bob"].say("/profile alice"))
    assert "🏅 Heard" in alice  # an official response obtained


def test_me_shows_the_settings_and_its_buttons_change_them(runtime: Runtime, people: People) -> None:
    me = text_of(people["alice"].say("/me"))
    assert _field(me, "Language") == "en" and _field(me, "Digest") == "daily at 18:00"
    assert _field(me, "Quiet hours") == "22:00–08:00" and _field(me, "Leaderboards") == "listed"
    assert "📬 Your digest" in text_of(people["alice"].press("Digest"))
    people["alice"].press("Weekly")
    people["alice"].say("/me")
    assert "🌙 Quiet hours" in text_of(people["alice"].press("Quiet hours"))
    people["alice"].press("No quiet hours")
    me = text_of(people["alice"].say("/me"))
    assert _field(me, "Digest") == "weekly at 18:00" and _field(me, "Quiet hours") == "none"
    people["alice"].press("Language")
    people["alice"].press("Français")
    assert _field(text_of(people["alice"].say("/me")), "Langue") == "fr"


def test_my_badges_lists_every_badge_with_my_level_and_the_next_step(
    runtime: Runtime, people: People
) -> None:
    idea = propose(people, "alice")
    for name in ("bob", "carol", "dan"):
        people[name].say(f"/join {idea}")
    people["alice"].say("/me")
    mine = text_of(people["alice"].press("My badges"))
    assert "First initiative: level 1 of 1, the highest." in mine
    assert "Gatherer: not yet; first level at 10 (now 3)." in mine
    assert "Challenger: not yet; first level at 1 (now 0)." in mine
    people["bob"].say(f"/withdraw {idea}")
    people["alice"].say("/me")
    assert "Gatherer: not yet; first level at 10 (now 2)." in text_of(people["alice"].press("My badges"))


def test_hiding_hides_the_profile_but_not_from_oneself_nor_a_moderator(
    runtime: Runtime, people: People
) -> None:
    people["alice"].say("/area Lyon")
    people["alice"].press("Lyon")
    idea = propose(people, "alice")
    people["alice"].say("/me")
    reply = people["alice"].press("Hide me")
    assert reply.edit and _field(text_of(reply), "Leaderboards") == "hidden (profile too)"
    # Still earning points while hidden.
    people["bob"].say(f"/join {idea}")
    hidden = text_of(people["bob"].say("/profile alice"))
    assert "alice keeps their profile private." in hidden and "Points" not in hidden and "🏅" not in hidden
    own = text_of(people["alice"].say("/profile alice"))
    assert _field(own, "Points") == "6" and _field(own, "Rank in Lyon") == "#1"
    assert "Only you see this" in own
    alice_id = people["alice"].member_id
    board = leaderboard(runtime.uow(), Period.ALL, None, alice_id)
    assert all(e.member_id != alice_id for e in board.entries) and board.viewer is not None
    # A moderator, in private: the card, said to be hidden from others.
    people["mod"].say("/start")
    admin.grant_role(runtime.uow(), people["mod"].member_id, "moderator")
    seen = text_of(people["mod"].say("/profile alice"))
    assert "as a moderator" in seen and _field(seen, "Points") == "6"
    # In a group, nobody's eyes in particular: hidden whoever asks.
    group = Speaker(Identity("test", "mod"), "mod", "en", in_group=True, chat_address="-100")
    assert "keeps their profile private" in text_of(runtime.chat().command(group, "profile", "alice"))
    # Shown again.
    people["alice"].say("/me")
    people["alice"].press("Show me")
    assert _field(text_of(people["bob"].say("/profile alice")), "Points") == "6"


def test_the_profile_service_refuses_an_unknown_member(runtime: Runtime, people: People) -> None:
    from core.errors import NotFound

    with pytest.raises(NotFound):
        profiles.profile(runtime.uow(), 999, None)
    assert is_error(people["bob"].say("/profile #999"))
    assert is_error(people["bob"].say("/profile"))
