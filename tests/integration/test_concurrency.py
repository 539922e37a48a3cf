"""Many people pressing Join at the same moment: every support counts once,
the goal is announced once, and nobody sees an error."""

from __future__ import annotations

import threading

from sqlalchemy import func, insert, select

from core.bootstrap import Runtime
from core.config import GoalSettings, LimitSettings, Settings
from core.domain.members import Identity
from core.domain.supports import SupportKind
from core.errors import PossiblesError
from core.services import initiatives, members, moderation, supports
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
        runtime.uow(),
        author.id,
        Proposal("Trees on the square", "Shade on the square in the summer", int(lyon), "environment"),
        settings,
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


ROUNDS = 6


def test_two_moderators_deciding_two_items_of_the_same_content_at_once(shared_database: Database) -> None:
    """Reports and the word list opened two review items on one initiative;
    two moderators decide one each at the same moment. One decision applies,
    the other moderator hears it was decided already — no deadlock, nothing else."""
    settings = Settings(limits=LimitSettings(proposals_per_day=ROUNDS))
    runtime = Runtime(settings, shared_database)
    load_small_tree(runtime)

    def member(name: str) -> int:
        return members.enter(runtime.uow(), Identity("test", name), name, "en", settings).id

    author, moderators = member("author"), [member("mod1"), member("mod2")]
    with runtime.uow() as uow:
        for moderator in moderators:
            uow.session.execute(insert(tables.member_roles).values(member_id=moderator, role="moderator"))
        lyon = int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == "69123")))
        uow.commit()
    for round_ in range(ROUNDS):
        initiative_id = initiatives.propose(
            runtime.uow(),
            author,
            Proposal(
                f"Trees on the square, take {round_}",
                "Shade on the square in the summer",
                lyon,
                "environment",
            ),
            settings,
        )
        with runtime.uow() as uow:
            items = [
                int(
                    uow.session.execute(
                        insert(tables.review_items)
                        .values(
                            target_type="initiative",
                            target_id=initiative_id,
                            cause=cause,
                            opened_at=uow.now(),
                        )
                        .returning(tables.review_items.c.id)
                    ).scalar_one()
                )
                for cause in ("reports", "screening")
            ]
            uow.commit()
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def decide(
            moderator: int,
            item: int,
            action: str,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
        ) -> None:
            barrier.wait()
            try:
                moderation.decide(runtime.uow(), moderator, item, action, "", settings)
                outcomes.append("decided")
            except PossiblesError as error:
                outcomes.append(error.key)
            except BaseException as exc:  # a deadlock, or anything else escaping the core
                outcomes.append(f"crash: {exc!r}")

        threads = [
            threading.Thread(target=decide, args=(moderators[0], items[0], "hide")),
            threading.Thread(target=decide, args=(moderators[1], items[1], "dismiss")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(outcomes) == ["decided", "error.review_already_decided"], outcomes
        with runtime.uow() as uow:
            d, r = tables.decisions.c, tables.review_items.c
            decided = uow.session.scalar(select(func.count()).where(d.target_id == initiative_id))
            still_open = uow.session.scalar(
                select(func.count()).where(r.target_id == initiative_id, r.closed_at.is_(None))
            )
        assert (decided, still_open) == (1, 0)
