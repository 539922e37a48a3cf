"""Digests: daily or weekly at the member's own time, never empty, one per
member and period however often the tick runs; and the admin's view of the
delivery ledger from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bots.cli import app
from core.bootstrap import Runtime
from core.services import digests, members
from core.storage import tables
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import Clock, People, propose


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def count(runtime: Runtime, table: object, *where: object) -> int:
    with runtime.uow() as uow:
        stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(uow.session.scalar(stmt) or 0)


def build(runtime: Runtime) -> digests.DigestRun:
    return digests.build_due(runtime.uow(), runtime.settings)


@pytest.fixture
def loop(runtime: Runtime) -> NotificationLoop:
    return NotificationLoop(runtime, FakeSender("test"))


@pytest.fixture
def day(runtime: Runtime, people: People, clock: Clock) -> int:
    """Sunday 15 November 2026, in Paris (UTC+1): alice proposes at 09:00,
    bob joins it; on Wednesday 25 three more join and a counter-proposal comes."""
    clock.now = at(2026, 11, 15, 8, 0)
    initiative_id = propose(people, "alice")
    people["bob"].say(f"/join {initiative_id}")
    clock.now = at(2026, 11, 25, 9, 0)
    for name in ("carl", "dora", "eve"):
        people[name].say(f"/join {initiative_id}")
    people["fred"].say(f"/counter {initiative_id}")
    people["fred"].say("Benches instead")
    people["fred"].say("Benches are cheaper than trees.")
    people["fred"].say("Lyon")
    people["fred"].press("Lyon")
    people["fred"].press("Environment")
    people["fred"].press("Publish")
    people["zoe"].say("/help")  # follows nothing
    return initiative_id


def test_the_daily_digest_comes_at_the_members_time_with_counts_never_names(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop, day: int
) -> None:
    clock.now = at(2026, 11, 25, 16, 59)  # 17:59 in Paris
    assert build(runtime).digests == 0  # only yesterday's period is due, and it had nothing new
    clock.now = at(2026, 11, 25, 17, 0)  # 18:00 in Paris
    run = build(runtime)
    # alice (author), bob, carl, dora, eve (supporters) have news; fred wrote the
    # counter-proposal himself and follows nothing else with news; zoe follows nothing.
    assert run.digests == 5 and run.deliveries == 5
    loop.run()
    (text,) = loop.sender.texts("bob")
    assert f"#{day} · Trees on the village square: +3 supporters, 1 counter-proposal" in text
    assert "carl" not in text and "dora" not in text  # counts, never names
    (alice,) = loop.sender.texts("alice")
    assert "+3 supporters" in alice
    (carl,) = loop.sender.texts("carl")
    assert "+2 supporters" in carl  # his own support is not news to him
    assert loop.sender.to("zoe") == [] and loop.sender.to("fred") == []
    assert any(a.payload == f"v1:s:{day}" for a in loop.sender.to("bob")[0].cards[0].actions)


def test_a_digest_is_built_once_per_member_and_period_however_often_the_tick_runs(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop, day: int
) -> None:
    clock.now = at(2026, 11, 25, 17, 0)
    assert build(runtime).digests == 5
    clock.now = at(2026, 11, 25, 17, 5)
    assert build(runtime) == digests.DigestRun(0, 0, build(runtime).groups)
    loop.run()
    loop.run()
    assert count(runtime, tables.digests) == 5
    assert len(loop.sender.delivered) == 5
    clock.now = at(2026, 11, 26, 17, 0)  # the next day: nothing new, nothing sent
    assert build(runtime).digests == 0


def test_a_digest_missed_during_downtime_goes_out_once(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop, day: int
) -> None:
    """The service was down from Wednesday morning to Friday noon: Thursday's
    and Wednesday's digests were never built. When it comes back, the latest
    period is built once — not once per missed day."""
    people["bob"].say("/digest daily")
    clock.now = at(2026, 11, 27, 11, 0)
    run = build(runtime)
    assert run.digests == 0  # the latest period (Thursday 18:00) covers Wednesday 18:00 onwards
    clock.now = at(2026, 11, 25, 17, 0)
    assert build(runtime).digests == 5
    clock.now = at(2026, 11, 27, 11, 0)
    assert build(runtime).digests == 0
    assert count(runtime, tables.digests) == 5


def test_weekly_digests_come_on_monday_and_other_time_zones_at_their_own_time(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop, day: int
) -> None:
    bob, carl = people["bob"], people["carl"]
    bob.say("/digest weekly")
    members.set_time_zone(runtime.uow(), carl.member_id, "America/New_York")
    people["dora"].say("/digest off")
    clock.now = at(2026, 11, 25, 17, 0)  # Wednesday 18:00 in Paris, 12:00 in New York
    build(runtime)
    loop.run()
    assert sorted(m.address for m in loop.sender.delivered) == ["alice", "eve"]
    clock.now = at(2026, 11, 25, 23, 0)  # 18:00 in New York
    build(runtime)
    loop.run()
    assert "+2 supporters" in loop.sender.texts("carl")[0]
    clock.now = at(2026, 11, 30, 16, 59)  # Monday 17:59 in Paris
    build(runtime)
    assert loop.sender.to("bob") == []
    clock.now = at(2026, 11, 30, 17, 0)  # Monday 18:00: last week's news
    build(runtime)
    loop.run()
    (weekly,) = loop.sender.texts("bob")
    assert "+3 supporters" in weekly and "1 counter-proposal" in weekly
    with runtime.uow() as uow:
        periods = set(uow.session.scalars(select(tables.digests.c.period)))
    assert {"d2026-11-25", "w2026-W49"} <= periods
    assert loop.sender.to("dora") == []


def test_new_initiatives_in_the_home_area_and_followed_topics_and_the_trending_one(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop
) -> None:
    clock.now = at(2026, 11, 25, 9, 0)
    zoe = people["zoe"]
    zoe.say("/area Lyon")
    zoe.press("Lyon")
    people["yan"].say("/follow topic mobility")
    first = propose(people, "alice", "Trees on the square")
    propose(people, "alice", "A bike lane downtown", area="Saint-Étienne")
    people["bob"].say(f"/join {first}")
    clock.now = at(2026, 11, 25, 17, 0)
    build(runtime)
    loop.run()
    (text,) = loop.sender.texts("zoe")
    assert "New near you" in text and f"#{first} · Trees on the square" in text
    assert "A bike lane" not in text  # Saint-Étienne is not her area
    assert "Trending this week" in text
    assert loop.sender.to("yan") == []  # nothing new in mobility: no digest at all


def test_a_digest_whose_initiatives_all_vanished_is_not_sent(
    runtime: Runtime, people: People, clock: Clock, loop: NotificationLoop, day: int
) -> None:
    clock.now = at(2026, 11, 25, 17, 0)
    build(runtime)
    with runtime.uow() as uow:
        uow.session.execute(tables.initiatives.update().values(visibility="removed"))
        uow.commit()
    loop.run()
    assert loop.sender.delivered == []
    assert count(runtime, tables.deliveries, tables.deliveries.c.state == "skipped") == 5


# --- possibles admin deliveries ------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'x.db'}"


@pytest.fixture
def file_runtime(url: str) -> Iterator[Runtime]:
    assert CliRunner().invoke(app, ["admin", "deliveries", "--database", url]).exit_code == 0
    # The CLI runs on the real clock: so does this runtime.
    runtime = Runtime.open(database_url=url, clock=Clock(datetime.now(UTC)))
    yield runtime
    runtime.close()


def test_admin_deliveries_shows_the_ledger_and_retries_failed_ones(url: str, file_runtime: Runtime) -> None:
    people = People(file_runtime.chat())
    people["alice"].say("/quiet off")
    initiative_id = propose(people, "alice", area="Rhône")  # the shipped areas
    people["bob"].say(f"/volunteer {initiative_id}")
    people["carl"].say(f"/volunteer {initiative_id}")
    people["dora"].say(f"/follow {initiative_id}")
    sender = FakeSender("test")
    loop = NotificationLoop(file_runtime, sender)
    sender.fail_next("rejected")
    loop.run()

    def admin(*args: str) -> str:
        result = CliRunner().invoke(app, ["admin", "deliveries", *args, "--database", url])
        assert result.exit_code == 0, result.output
        return result.output

    shown = admin()
    assert "failed       alert     test            1" in shown
    assert "Bad Request: message is too long" in shown
    assert "uncertain retries: 0" in shown
    refused = CliRunner().invoke(app, ["admin", "deliveries", "--retry", "999", "--database", url])
    assert refused.exit_code == 1 and "no delivery #999" in refused.output
    assert "will be sent again" in admin("--retry", "1")
    assert isinstance(file_runtime.clock, Clock)
    file_runtime.clock.advance(seconds=5)  # the CLI's own clock moved on
    loop.run()
    assert "sent         alert     test            1" in admin()
    assert len(sender.to("alice")) == 1
