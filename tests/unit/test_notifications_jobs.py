"""The scheduler's jobs, run by hand: the daily recall of the review queue,
the officials' weekly summary; and the terminal chat's sender."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bots.console import ConsoleSession
from bots.console.sender import ConsoleSender
from core.bootstrap import Runtime
from core.config import GoalSettings, NotificationSettings, Settings
from core.errors import Forbidden
from core.services import admin, deliveries
from notifications import scheduler
from notifications.ports import OutcomeKind, Outgoing
from notifications.render import Rendered, render
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import Clock, People, is_error, propose


@pytest.fixture
def settings() -> Settings:
    return Settings(goals=GoalSettings(commune=2, department=5, region=8, nation=10))


@pytest.fixture
def jobs(runtime: Runtime) -> Iterator[None]:
    scheduler._runtime = runtime
    yield
    scheduler._runtime = None


def test_review_items_waiting_more_than_a_day_are_recalled_once_a_day(
    runtime: Runtime, people: People, clock: Clock, jobs: None
) -> None:
    loop = NotificationLoop(runtime, FakeSender("test"))
    people["mod"].member_id  # noqa: B018
    admin.grant_role(runtime.uow(), "test:mod", "moderator")
    initiative_id = propose(people, "alice")
    for name in ("rita", "remy", "rose"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Spam")
        people[name].press("No note")
    loop.run()
    assert scheduler.recall_reviews() == 0  # not a day old yet
    clock.advance(hours=25)
    assert scheduler.recall_reviews() == 1
    assert scheduler.recall_reviews() == 0  # once a day
    loop.run()
    recall = loop.sender.to("mod")[-1]
    assert "1 review has waited more than a day" in loop.sender.texts("mod")[-1]
    assert [a.payload for a in recall.cards[0].actions] == ["v1:mi:1"]
    clock.advance(hours=24)
    assert scheduler.recall_reviews() == 1  # still waiting the next day
    people["mod"].say("/queue")
    people["mod"].press("Dismiss")
    loop.run()  # decided before the recall went: nothing to recall
    assert len([t for t in loop.sender.texts("mod") if "waited more than a day" in t]) == 1


def test_officials_hear_weekly_of_what_awaits_their_response_and_nothing_when_nothing_does(
    runtime: Runtime, people: People, clock: Clock, jobs: None
) -> None:
    loop = NotificationLoop(runtime, FakeSender("test"))
    for name in ("olga", "paul"):
        people[name].member_id  # noqa: B018
    admin.verify_official(runtime.uow(), "test:olga", "69123", "Maire de Lyon")
    admin.verify_official(runtime.uow(), "test:paul", "75056", "Maire de Paris")
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")  # two: the goal here
    loop.run()
    assert scheduler.officials_summaries() == 1
    assert scheduler.officials_summaries() == 1  # the same week: the same key, one message
    loop.run()
    summary = loop.sender.texts("olga")[-1]
    assert "This week, 1 initiative of your areas awaits your response." in summary
    assert f"Respond to #{initiative_id}" in summary
    assert len([t for t in loop.sender.texts("olga") if "This week" in t]) == 1
    assert loop.sender.to("paul") == []


def test_expiry_runs_from_the_scheduler(runtime: Runtime, people: People, clock: Clock, jobs: None) -> None:
    propose(people, "alice")
    clock.advance(days=181)
    assert scheduler.expire_initiatives() == 1
    assert scheduler.expire_initiatives() == 0


def test_the_terminal_prints_notifications_for_the_person_chatting_and_keeps_others_waiting(
    runtime: Runtime, people: People
) -> None:
    output = io.StringIO()
    session = ConsoleSession(runtime.chat(), "alice", output=output, language="en")
    sender = ConsoleSender(session)
    reply = session.handle("/me")
    assert reply is not None
    session.show(reply)
    shown = len(session.choices)
    initiative_id = propose(people, "bob")
    people["carl"].say(f"/volunteer {initiative_id}")
    NotificationLoop(runtime).route()

    due = deliveries.due(runtime.uow(), "test")[0]  # bob's first volunteer (and goal reached)
    claimed = deliveries.claim(runtime.uow(), due.id)
    assert claimed is not None
    rendered = render(runtime, claimed)
    assert isinstance(rendered, Rendered)
    mine = Outgoing(claimed.id, "alice", rendered.cards)
    theirs = Outgoing(claimed.id, "bob", rendered.cards)
    sent = asyncio.run(sender.send(mine))
    assert sent.kind == OutcomeKind.SENT and sent.ref
    assert "🔔" in output.getvalue() and "first volunteer" in output.getvalue()
    assert len(session.choices) > shown  # the notification's buttons are numbered after the others
    waiting = asyncio.run(sender.send(theirs))
    assert waiting.kind == OutcomeKind.RETRY_AFTER and (waiting.retry_after or 0) > 60
    pressed = session.handle(str(len(session.choices)))
    assert pressed is not None and not is_error(pressed)


def test_when_the_recall_and_the_summary_go_is_configured(runtime: Runtime) -> None:
    settings = Settings(
        default_time_zone="UTC",
        notifications=NotificationSettings(recall_time="07:15", summary_day="fri", summary_time="16:45"),
    )
    jobs = scheduler._jobs(Runtime(settings, runtime.database))
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert jobs["recall_reviews"][1].get_next_fire_time(None, monday) == datetime(
        2026, 12, 1, 7, 15, tzinfo=UTC
    )
    assert jobs["officials_summaries"][1].get_next_fire_time(None, monday) == datetime(
        2026, 12, 4, 16, 45, tzinfo=UTC
    )
    defaults = Settings().notifications
    assert (defaults.recall_time, defaults.summary_day, defaults.summary_time) == ("09:00", "mon", "09:30")
    with pytest.raises(ValueError):
        NotificationSettings(recall_time="9h")


def test_the_weekly_summary_passes_over_a_revoked_mandate_but_not_a_failure(
    runtime: Runtime, people: People, jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    people["olga"].member_id  # noqa: B018
    admin.verify_official(runtime.uow(), "test:olga", "69123", "Maire de Lyon")
    propose(people, "alice")
    people["bob"].say("/join 1")  # the goal: something awaits olga

    def revoked(uow: object, official_id: int) -> list[object]:
        raise Forbidden("error.officials_not_official")

    monkeypatch.setattr(scheduler.officials, "awaiting_my_response", revoked)
    assert scheduler.officials_summaries() == 0

    def broken(uow: object, official_id: int) -> list[object]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(scheduler.officials, "awaiting_my_response", broken)
    with pytest.raises(RuntimeError, match="went away"):  # APScheduler logs it as the error it is
        scheduler.officials_summaries()
