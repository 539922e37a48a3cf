"""The supporter counts kept as supports change are the counts of the supports."""

from __future__ import annotations

import random

from sqlalchemy import select

from core.bootstrap import Runtime
from core.config import GoalSettings, Settings
from core.domain.members import Identity
from core.domain.supports import SupportKind
from core.errors import PossiblesError
from core.services import counts, initiatives, members, supports
from core.services.initiatives import Proposal
from core.storage import tables
from tests.support import Clock


def _kept(runtime: Runtime) -> tuple[set[tuple[int, int, int]], set[tuple[int, object, int]]]:
    c, d = tables.initiative_counts.c, tables.support_days.c
    with runtime.uow() as uow:
        rows = {
            (int(r[0]), int(r[1]), int(r[2]))
            for r in uow.session.execute(select(c.initiative_id, c.supporters, c.volunteers))
        }
        days = {
            (int(r[0]), r[1], int(r[2]))
            for r in uow.session.execute(select(d.initiative_id, d.day, d.supports))
            if r[2]  # a day whose supports were all withdrawn counts nothing
        }
    return rows, days


def test_kept_counts_equal_a_recount_after_random_joins_and_withdrawals(
    runtime: Runtime, clock: Clock
) -> None:
    settings = Settings(goals=GoalSettings(commune=8))
    rng = random.Random(7)
    with runtime.uow() as uow:
        lyon = int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == "69123")))
    people = [
        members.enter(runtime.uow(), Identity("test", f"m{i}"), f"m{i}", "en", settings).id for i in range(12)
    ]
    ideas = [
        initiatives.propose(
            runtime.uow(),
            people[k],
            Proposal(
                f"Idea number {k} for the town",
                "Something worth doing here, for everyone",
                lyon,
                "environment",
            ),
            settings,
        )
        for k in range(3)
    ]
    done = 0
    for _ in range(300):
        who, idea = rng.choice(people), rng.choice(ideas)
        try:
            if rng.random() < 0.35:
                supports.withdraw_support(runtime.uow(), who, idea)
            else:
                kind = rng.choice((SupportKind.SUPPORTER, SupportKind.VOLUNTEER))
                supports.support(runtime.uow(), who, idea, kind)
            done += 1
        except PossiblesError:
            pass  # already joined, not supporting, the author: refused, nothing written
        if rng.random() < 0.1:
            clock.advance(hours=rng.randrange(1, 40))
    assert done > 100
    kept = _kept(runtime)
    with runtime.uow() as uow:
        counts.recount(uow)
        uow.commit()
    assert _kept(runtime) == kept
    # and the card shows the same as the supports say
    s = tables.supports.c
    with runtime.uow() as uow:
        kinds = {
            idea: list(uow.session.scalars(select(s.kind).where(s.initiative_id == idea))) for idea in ideas
        }
    for idea in ideas:
        view = initiatives.initiative_view(runtime.uow(), idea)
        assert (view.supporters, view.volunteers) == (
            len(kinds[idea]),
            kinds[idea].count(SupportKind.VOLUNTEER),
        )
