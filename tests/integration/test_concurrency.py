"""Many people pressing Join at the same moment: every support counts once,
the goal is announced once, and nobody sees an error."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import GoalSettings, Settings
from core.domain.members import Identity
from core.domain.supports import SupportKind
from core.services import initiatives, members, supports
from core.services.initiatives import Proposal
from core.storage import tables
from core.storage.database import Database
from tests.support import load_small_tree

THREADS = 50


def test_fifty_threads_join_the_same_initiative(shared_database: Database) -> None:
    settings = Settings(goals=GoalSettings(commune=30))
    runtime = Runtime(settings, shared_database)
    load_small_tree(runtime)
    author = members.enter(runtime.uow(), Identity("test", "author"), "author", "en", settings)
    with runtime.uow() as uow:
        lyon = uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == "69123"))
    initiative_id = initiatives.propose(
        runtime.uow(), author.id, Proposal("Trees", "Shade on the square", int(lyon), "environment"), settings
    )
    joiners = [
        members.enter(runtime.uow(), Identity("test", f"p{i}"), f"p{i}", "en", settings).id
        for i in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    reached: list[bool] = []

    def join(member_id: int) -> None:
        barrier.wait()
        try:
            result = supports.support(runtime.uow(), member_id, initiative_id, SupportKind.SUPPORTER)
            reached.append(result.goal_reached)
        except BaseException as exc:  # any error shown to anyone fails the test
            errors.append(exc)

    threads = [threading.Thread(target=join, args=(m,)) for m in joiners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    with runtime.uow() as uow:
        s = tables.supports.c
        count = uow.session.scalar(select(func.count()).where(s.initiative_id == initiative_id))
        joined = uow.session.scalar(
            select(func.count()).where(
                s.initiative_id == initiative_id, s.kind == SupportKind.SUPPORTER.value
            )
        )
        goal_events = uow.session.scalar(select(func.count()).where(tables.outbox.c.name == "goal_reached"))
        status = uow.session.scalar(
            select(tables.initiatives.c.status).where(tables.initiatives.c.id == initiative_id)
        )
    assert joined == THREADS
    assert count == THREADS + 1  # and the author, who volunteers
    view = initiatives.initiative_view(runtime.uow(), initiative_id)
    assert view.supporters == THREADS + 1
    assert reached.count(True) == 1 and goal_events == 1
    assert status == "goal_reached"
