"""Pacing within the platform's limits, on a fake clock: never more than the
platform allows in any window, close to its rate, and a chat that must wait
never holds back the others."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from core.bootstrap import Runtime
from core.domain.deliveries import DeliveryDraft
from core.services import deliveries, notices
from notifications.pacing import Gcra, Pacer
from notifications.ports import PaceLimits
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import People, propose


@dataclass(frozen=True)
class Chat:
    address: str
    is_group: bool = False


def most_in_any_window(times: Sequence[float], window: float) -> int:
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_gcra_spaces_events_evenly_and_allows_a_burst_when_asked() -> None:
    steady = Gcra(0.5)
    assert steady.ready_at(10.0) == 10.0
    steady.take(10.0)
    assert steady.ready_at(10.1) == 10.5
    steady.take(10.5)
    assert steady.ready_at(10.5) == 11.0
    bursty = Gcra(1.0, burst=3)
    for _ in range(3):
        assert bursty.ready_at(0.0) == 0.0
        bursty.take(0.0)
    assert bursty.ready_at(0.0) == 1.0


def test_a_slightly_late_send_keeps_the_schedule_but_never_bunches_sends() -> None:
    paced = Gcra(0.1, slack=0.025)
    moments = []
    now = 0.0
    for _ in range(100):
        now = max(now, paced.ready_at(now)) + 0.002  # every timer wakes 2 ms late
        paced.take(now)
        moments.append(now)
    assert moments[-1] - moments[1] == pytest.approx(98 * 0.1, abs=1e-9)  # no drift
    assert min(b - a for a, b in itertools.pairwise(moments)) >= 0.1 - 0.025
    very_late = Gcra(0.1, slack=0.025)
    very_late.take(0.0)
    very_late.take(1.0)  # far behind: the schedule restarts from now
    assert very_late.ready_at(1.0) == pytest.approx(1.1)


def test_the_pacer_picks_the_first_ready_chat_instead_of_waiting_on_the_head_of_the_line() -> None:
    pacer = Pacer(PaceLimits(per_second=30, per_chat_per_second=1, per_group_per_minute=20), margin=0.0)
    group, alice, bob = Chat("-100", True), Chat("alice"), Chat("bob")
    pacer.take(group.address, True, 0.0)
    pacer.in_flight.add("alice")
    pick = pacer.pick([group, alice, bob], 0.1)
    assert pick.index == 2  # the group waits 3 s, alice has a send in flight: bob goes
    pacer.take("bob", False, 0.1)
    nothing = pacer.pick([group, Chat("bob")], 0.2)
    assert nothing.index is None and nothing.wake_at == 1.1  # bob's next second comes first
    pacer.pause("bob", 5.0, 0.2)
    assert pacer.pick([Chat("bob")], 1.2).wake_at == 5.2  # retry_after wins over the pace


def enqueue(runtime: Runtime, people: People, chats: Sequence[Chat]) -> None:
    """One message per entry (a chat may appear several times)."""
    initiative_id = propose(people, "alice")
    now = runtime.clock()
    drafts = [
        DeliveryDraft(
            key=f"test:{n}:{chat.address}",
            platform="test",
            address=chat.address,
            kind="alert",
            topic="test",
            payload={"event": "volunteer_joined", "initiative_id": initiative_id, "member_id": 0},
            language="en",
            not_before=now,
            is_group=chat.is_group,
        )
        for n, chat in enumerate(chats)
    ]
    notices.enqueue(runtime.uow(), drafts)


def test_many_chats_go_at_close_to_the_overall_limit_and_never_above_it(
    runtime: Runtime, people: People
) -> None:
    sender = FakeSender("test")
    loop = NotificationLoop(runtime, sender)
    enqueue(runtime, people, [Chat(f"u{n}") for n in range(300)])
    stats = loop.drain()
    times = [c.at for c in sender.calls]
    assert stats.sent == 300 and len(times) == 300
    assert most_in_any_window(times, 1.0) <= 30
    rate = (len(times) - 1) / (max(times) - min(times))
    assert 0.95 * 30 <= rate <= 30


def test_one_chat_gets_one_message_a_second_and_a_group_twenty_a_minute_without_slowing_others(
    runtime: Runtime, people: People
) -> None:
    sender = FakeSender("test")
    loop = NotificationLoop(runtime, sender)
    chats = [Chat("-100", True)] * 25 + [Chat("alice")] * 4 + [Chat(f"u{n}") for n in range(40)]
    enqueue(runtime, people, chats)
    loop.drain()
    by_chat: dict[str, list[float]] = {}
    for call in sender.calls:
        by_chat.setdefault(call.address, []).append(call.at)
    assert len(by_chat["-100"]) == 25
    assert most_in_any_window(by_chat["-100"], 60.0) <= 20
    alice = by_chat["alice"]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(alice)), alice
    others = [t for address, times in by_chat.items() if address.startswith("u") for t in times]
    assert max(others) < 3.0  # forty other chats went while the group waited its turn


def test_a_429_pauses_that_chat_for_retry_after(runtime: Runtime, people: People) -> None:
    sender = FakeSender("test", retry_after=3.0)
    loop = NotificationLoop(runtime, sender)
    enqueue(runtime, people, [Chat("alice")])
    sender.fail_next("429")
    loop.drain()
    before = runtime.clock()
    row = deliveries.get_delivery(runtime.uow(), 1)
    assert row.state == "pending" and row.attempts == 0  # a 429 is not an attempt
    assert (row.not_before - before).total_seconds() == 3.0
    runtime.clock.advance(seconds=3)  # type: ignore[attr-defined]
    loop.drain()
    assert [c.answer for c in sender.calls] == ["429", "sent"]
