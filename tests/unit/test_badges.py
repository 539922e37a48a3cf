"""Badges: a level once each, in the transaction of the act, never for
farmed acts, the same after ``rescore``; the alert of a badge earned."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from core.bootstrap import Runtime
from core.config import BadgeSettings, GoalSettings, Settings
from core.domain.badges import BadgeBook, BadgeRule, Measure
from core.domain.reputation import PointReason
from core.services import badges, leaderboards, reputation
from core.services.areas import find_area
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, load_small_tree, propose, with_badges


@pytest.fixture
def settings() -> Settings:
    small = BadgeSettings(
        key="gatherer",
        measure=Measure.SUPPORTERS,
        thresholds=[2, 3],
        name={"fr": "Rassembleur", "en": "Gatherer"},
        description={"fr": "Soutiens rassemblés.", "en": "Supporters gathered."},
    )
    shipped = with_badges(Settings(goals=GoalSettings(commune=3, department=5, region=8, nation=10)))
    return shipped.model_copy(update={"badges": [small, *(b for b in shipped.badges if b.key != "gatherer")]})


@pytest.fixture
def runtime(database: Database, settings: Settings, clock: Clock) -> Runtime:
    runtime = Runtime(settings, database, clock)
    load_small_tree(runtime)
    return runtime


def _levels(runtime: Runtime) -> set[tuple[int, str, int]]:
    b = tables.badges.c
    with runtime.uow() as uow:
        rows = uow.session.execute(select(b.member_id, b.badge, b.level)).all()
    return {(int(r[0]), str(r[1]), int(r[2])) for r in rows}


def _progress(runtime: Runtime) -> set[tuple[int, str, int]]:
    bp = tables.badge_progress.c
    with runtime.uow() as uow:
        rows = uow.session.execute(select(bp.member_id, bp.measure, bp.value)).all()
    return {(int(r[0]), str(r[1]), int(r[2])) for r in rows if r[2] != 0}


def _announced(runtime: Runtime) -> list[dict[str, object]]:
    o = tables.outbox.c
    with runtime.uow() as uow:
        rows = uow.session.execute(select(o.payload).where(o.name == "badge_earned").order_by(o.id)).all()
    return [dict(r[0]) for r in rows]


def test_each_level_is_earned_once_and_kept(runtime: Runtime, people: People) -> None:
    alice = people["alice"].member_id
    idea = propose(people, "alice")  # first_initiative; alice supports her own: 1 supporter, no point
    assert _levels(runtime) == {(alice, "first_initiative", 1)}
    people["bob"].say(f"/join {idea}")
    people["carol"].say(f"/join {idea}")
    assert (alice, "gatherer", 1) in _levels(runtime)
    people["dan"].say(f"/join {idea}")
    assert {(alice, "gatherer", 1), (alice, "gatherer", 2)} <= _levels(runtime)
    # Going down and up again earns nothing new; levels earned stay.
    for _ in range(3):
        people["dan"].say(f"/withdraw {idea}")
        people["carol"].say(f"/withdraw {idea}")
        people["dan"].say(f"/join {idea}")
        people["carol"].say(f"/join {idea}")
    people["carol"].say(f"/withdraw {idea}")
    earned = [(e["member_id"], e["badge"], e["level"]) for e in _announced(runtime)]
    assert earned == [(alice, "first_initiative", 1), (alice, "gatherer", 1), (alice, "gatherer", 2)]
    assert (alice, "gatherer", 2) in _levels(runtime)
    # The measure counts the supports that hold now.
    assert (alice, "supporters", 2) in _progress(runtime)


def test_farmed_acts_earn_nothing(runtime: Runtime, people: People) -> None:
    """Supporting, withdrawing and supporting again, or one's own initiative,
    adds no supporter: the measure never passes the supports that exist."""
    alice = people["alice"].member_id
    idea = propose(people, "alice")
    people["alice"].say(f"/join {idea}")  # refused: her own
    for _ in range(5):
        people["bob"].say(f"/join {idea}")
        people["bob"].say(f"/withdraw {idea}")
    assert not any(badge == "gatherer" for _, badge, _ in _levels(runtime))
    assert (alice, "supporters", 1) not in _progress(runtime)


def test_an_achievement_counts_only_when_it_moved_something(runtime: Runtime, people: People) -> None:
    alice = people["alice"].member_id
    alone = propose(people, "alice")
    people["alice"].say(f"/progress {alone} in_action")
    people["alice"].say(f"/progress {alone} achieved")  # no goal, no response: no points, no badge
    assert not any(badge == "achiever" for _, badge, _ in _levels(runtime))
    reached = propose(people, "alice", title="Bike lanes downtown")
    people["bob"].say(f"/join {reached}")
    people["carol"].say(f"/join {reached}")  # 3 of 3: the goal
    people["alice"].say(f"/progress {reached} in_action")
    people["alice"].say(f"/progress {reached} achieved")
    assert (alice, "achiever", 1) in _levels(runtime)
    assert (alice, "achieved", 1) in _progress(runtime)


def test_an_overturned_decision_takes_its_report_back_from_the_measure_not_the_level(
    runtime: Runtime, people: People
) -> None:
    erin = people["erin"].member_id
    with runtime.uow() as uow:
        lyon = find_area(uow, "69123").id
        assert lyon is not None
        reputation.award(uow, erin, lyon, PointReason.REPORT_UPHELD, "d998")
        uow.commit()
    assert (erin, "watchful", 1) in _levels(runtime)
    with runtime.uow() as uow:
        reputation.void(uow, "d998")
        uow.commit()
    assert not any(m == erin and k == "reports_upheld" for m, k, _ in _progress(runtime))
    with runtime.uow() as uow:
        reputation.award(uow, erin, lyon, PointReason.REPORT_UPHELD, "d999")
        uow.commit()
    assert (erin, "reports_upheld", 1) in _progress(runtime)
    assert [e["badge"] for e in _announced(runtime) if e["member_id"] == erin] == ["watchful"]


def test_a_counter_proposal_ahead_of_what_it_answers_earns_its_badge_once(
    runtime: Runtime, people: People
) -> None:
    idea = propose(people, "alice")
    bob = people["bob"].member_id
    people["bob"].say(f"/counter {idea}")
    people["bob"].say("Plant fruit trees on the village square")
    people["bob"].say("Fruit trees give shade and fruit to everyone in the village.")
    people["bob"].say("Lyon")
    people["bob"].press("Lyon")
    people["bob"].press("Environment")
    reply = people["bob"].press("Publish")
    counter = int((reply.cards[1].title or "").split("·")[0].strip().lstrip("#"))
    assert (bob, "challenger", 1) not in _levels(runtime)  # 1 supporter each
    people["carol"].say(f"/join {counter}")  # 2 against 1
    assert (bob, "challenger", 1) in _levels(runtime)
    people["dan"].say(f"/join {idea}")
    people["erin"].say(f"/join {counter}")
    assert [e for e in _announced(runtime) if e["badge"] == "challenger"] == [
        {"member_id": bob, "badge": "challenger", "level": 1}
    ]


def test_rescore_recomputes_the_same_badges(runtime: Runtime, people: People, clock: Clock) -> None:
    rng = random.Random(7)
    ideas = [propose(people, "alice"), propose(people, "bob", title="Bike lanes downtown")]
    names = ("carol", "dan", "erin", "frank", "gina", "hugo")
    for step in range(60):
        who, idea = people[rng.choice(names)], rng.choice(ideas)
        who.say(f"{rng.choice(('/join', '/volunteer', '/withdraw'))} {idea}")
        if step % 10 == 0:
            clock.advance(days=3)
    live_levels, live_progress = _levels(runtime), _progress(runtime)
    assert any(badge == "volunteer" for _, badge, _ in live_levels)
    # On the live database rescore finds nothing to add nor to change.
    leaderboards.rescore(runtime.uow())
    assert badges.rescore(runtime.uow()) == 0
    assert (_levels(runtime), _progress(runtime)) == (live_levels, live_progress)
    # From nothing, the measures come back the same, and every level the
    # facts still reach (a level earned by supports since withdrawn is the
    # one thing only the kept rows remember).
    with runtime.uow() as uow:
        uow.session.execute(delete(tables.badges))
        uow.session.execute(delete(tables.badge_progress))
        uow.commit()
    added = badges.rescore(runtime.uow())
    assert _progress(runtime) == live_progress
    assert _levels(runtime) <= live_levels and added == len(_levels(runtime))
    book = runtime.badges
    for member_id, measure, value in live_progress:
        for rule in book.counting(Measure(measure)):
            for level in range(1, rule.levels_at(value) + 1):
                assert (member_id, rule.key, level) in _levels(runtime)


def test_the_alert_of_a_badge_goes_through_the_notifications(runtime: Runtime, people: People) -> None:
    from notifications.render import Rendered, render
    from notifications.router import Router

    propose(people, "alice")
    Router(runtime).route_all()
    d = tables.deliveries.c
    with runtime.uow() as uow:
        rows = uow.session.execute(select(d.id, d.kind, d.topic).where(d.topic.like("badge:%"))).all()
    assert [(r.kind, r.topic) for r in rows] == [("alert", "badge:first_initiative:1")]
    from core.services.deliveries import get_delivery

    result = render(runtime, get_delivery(runtime.uow(), rows[0].id))
    assert isinstance(result, Rendered)
    text = "\n".join(filter(None, (line for card in result.cards for line in (card.title, *card.lines))))
    assert "You received a badge" in text and "First initiative" in text


def test_thresholds_must_go_up() -> None:
    with pytest.raises(ValueError):
        BadgeRule("x", Measure.PROPOSED, (3, 2))
    with pytest.raises(ValueError):
        BadgeBook((BadgeRule("x", Measure.PROPOSED, (1,)), BadgeRule("x", Measure.ACHIEVED, (1,))))


def test_admin_rescore_rebuilds_the_measures_and_the_area_ladders(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bots.cli import app

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert CliRunner().invoke(app, ["admin", "roles", "--database", url]).exit_code == 0  # migrates
    runtime = Runtime.open(database_url=url)
    try:
        load_small_tree(runtime)
        people = People(runtime.chat())
        idea = propose(people, "alice")
        people["bob"].say(f"/join {idea}")
        kept = _progress(runtime)
        with runtime.uow() as uow:
            uow.session.execute(delete(tables.badge_progress))
            uow.commit()
        result = CliRunner().invoke(app, ["admin", "rescore", "--database", url])
        assert result.exit_code == 0, result.output
        assert "badge levels added: 0" in result.output  # the suite runs without badges
        assert re.search(r"area ladders: [1-9]\d* rows", result.output), result.output
        assert _progress(runtime) == kept and kept
    finally:
        runtime.close()
