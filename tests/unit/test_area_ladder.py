"""How engaged an area is: members per rung of the ladder in the areas an
official's mandates cover, counted nightly, read in one statement."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.domain.reputation import Ladder
from core.services import area_ladder
from tests.support import Clock, People, propose, text_of
from tests.unit.test_officials import LYON, make_official


def test_tally_keeps_each_members_highest_rung_in_each_area_and_those_above() -> None:
    paths = {1: "/1/", 2: "/1/2/", 3: "/1/3/"}
    acts = [
        (10, 2, 1),  # member 10 created in area 2
        (10, 3, 4),  # ... and joined in area 3
        (11, 3, 2),  # member 11 criticised in area 3
        (11, 2, 8),  # ... and follows something in area 2
        (12, 99, 1),  # an area that no longer exists: left out
    ]
    counted = area_ladder.tally(acts, paths)
    assert counted == {
        (1, Ladder.CREATOR): 1,
        (1, Ladder.CRITIC): 1,
        (2, Ladder.CREATOR): 1,
        (2, Ladder.SPECTATOR): 1,
        (3, Ladder.JOINER): 1,
        (3, Ladder.CRITIC): 1,
    }


def test_an_officials_record_says_how_engaged_their_area_is(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    make_official(runtime, people, "mayor", LYON, "Maire de Lyon")
    assert "Engagement in Lyon: counted each night, not yet." in text_of(people["bob"].say("/official mayor"))
    idea = propose(people, "alice")  # in Lyon: a creator
    people["bob"].say(f"/join {idea}")  # a joiner
    people["carol"].say(f"/comment {idea} Good idea, and cheap to do.")  # a critic
    people["dan"].say(f"/follow {idea}")  # a spectator
    propose(people, "erin", title="Bike lanes downtown", area="Saint-Étienne")  # elsewhere
    assert area_ladder.count_all(runtime.uow()) > 0
    record = text_of(people["bob"].say("/official mayor"))
    assert "Engagement in Lyon (last 90 days): creators 1 · critics 1 · joiners 1 · spectators 1" in record
    # Ninety-one days on, only the follows remain.
    clock.advance(days=91)
    area_ladder.count_all(runtime.uow())
    record = text_of(people["bob"].say("/official mayor"))
    assert "creators 0 · critics 0 · joiners 0" in record and "spectators 0" not in record


def test_french_engagement_line(runtime: Runtime, people: People) -> None:
    people["lou"].language = "fr"
    make_official(runtime, people, "lou", LYON, "Maire de Lyon")
    propose(people, "alice")
    area_ladder.count_all(runtime.uow())
    record = text_of(people["lou"].say("/official"))
    assert "Engagement à Lyon (90 derniers jours)\u00a0: créateurs 1 · critiques 0" in record
