"""Pacing within the platform's limits, on a fake clock: never more than the
platform allows in any window, close to its rate, and a chat that must wait
never holds back the others."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from core.bootstrap import Runtime
from core.domain.deliveries import DeliveryDraft
from core.domain.event_codec import as_named
from core.domain.events import VolunteerJoined
from core.services import deliveries, notices
from notifications.pacing import Gcra, Pacer, Pick, Window
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
    pacer.ended(group.address, 0.0)
    pacer.in_flight.add("alice")
    pick = pacer.pick([group, alice, bob], 0.1)
    assert pick.index == 2  # the group waits 3 s, alice has a send in flight: bob goes
    pacer.take("bob", False, 0.1)
    pacer.ended("bob", 0.1)
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
            payload=as_named(VolunteerJoined(initiative_id=initiative_id, member_id=0, first=True)),
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


# -- a starved event loop: timers late, requests late, answers late ------------------


def test_a_window_counts_each_send_from_its_start_until_a_period_after_its_answer() -> None:
    window = Window(2, 1.0)
    window.start("a")
    window.start("b")
    assert window.ready_at(0.0) == math.inf  # two unanswered sends: only an answer frees a place
    window.end("a", 0.4)  # the platform stamped it at some moment up to 0.4
    assert window.ready_at(0.5) == pytest.approx(1.4)  # b may be stamped any time from now on
    window.end("b", 0.2)
    assert window.ready_at(0.5) == pytest.approx(1.2)  # the earlier answer leaves first
    assert window.ready_at(1.3) == 1.3
    window.forget(1.5)
    assert window.idle(1.5) and window.ready_at(1.5) == 1.5


class Stalls:
    """Moments when something does not run (a starved event loop, a platform
    under load): whatever falls in one happens at its end."""

    def __init__(self, rng: random.Random, every: float, longest: float, until: float = 400.0) -> None:
        self.spans: list[tuple[float, float]] = []
        moment = rng.uniform(0, every)
        while moment < until:
            length = rng.uniform(0.01, longest)
            self.spans.append((moment, moment + length))
            moment += length + rng.uniform(0.05, every)

    def free(self, moment: float) -> float:
        for start, end in self.spans:
            if start <= moment < end:
                return end
        return moment


def simulate(pacer: Pacer, chats: Sequence[Chat], seed: int) -> list[tuple[str, float]]:
    """A sender on a fake clock whose loop stalls now and then for up to
    600 ms, on a network adding up to 20 ms each way, to a platform that
    stalls too. Timers fire late (a few ms; a whole stall when one falls in
    it), a request leaves 2 ms after its slot was taken unless a stall comes
    in between, the platform stamps it when it gets to it. Up to 16 sends in
    flight, one per chat. Returns (chat, moment the platform stamped it)."""
    rng = random.Random(seed)
    loop, platform = Stalls(rng, 1.5, 0.6), Stalls(rng, 2.0, 0.4)
    waiting = list(chats)
    answers: list[tuple[float, int, str]] = []  # (read by the loop at, order, chat)
    stamps: list[tuple[str, float]] = []
    now, wake = 0.0, 0.0
    while waiting or answers:
        now = min(wake, answers[0][0]) if answers else wake
        while answers and answers[0][0] <= now:
            _, _, address = heapq.heappop(answers)
            pacer.ended(address, now)
            pacer.in_flight.discard(address)
        pick = pacer.pick(waiting, now) if len(answers) < 16 else Pick(None, math.inf)
        if pick.index is not None and pick.wake_at is not None and pick.wake_at <= now:
            chat = waiting.pop(pick.index)
            pacer.take(chat.address, chat.is_group, now)
            pacer.in_flight.add(chat.address)
            stamped = platform.free(loop.free(now + 0.002) + rng.uniform(0, 0.02))
            stamps.append((chat.address, stamped))
            read = loop.free(stamped + rng.uniform(0, 0.02))
            heapq.heappush(answers, (read, len(stamps), chat.address))
            wake = now
        elif pick.wake_at is not None and not math.isinf(pick.wake_at):
            wake = loop.free(max(now, pick.wake_at) + rng.uniform(0, 0.003))  # a timer, a little late
        else:
            wake = math.inf  # until an answer comes
    return stamps


@pytest.mark.parametrize("seed", range(6))
def test_timers_and_requests_late_by_varying_amounts_never_exceed_any_limit(seed: int) -> None:
    pacer = Pacer(PaceLimits(per_second=30, per_chat_per_second=1, per_group_per_minute=20), margin=0.04)
    chats = [Chat(f"u{n}") for n in range(400)] + [Chat("alice")] * 6 + [Chat("-100", True)] * 25
    random.Random(seed).shuffle(chats)
    stamps = simulate(pacer, chats, seed)
    assert sorted(a for a, _ in stamps) == sorted(c.address for c in chats)  # each sent once
    assert most_in_any_window([t for _, t in stamps], 1.0) <= 30
    assert most_in_any_window([t for a, t in stamps if a == "alice"], 1.0) == 1
    assert most_in_any_window([t for a, t in stamps if a == "-100"], 60.0) <= 20


def test_with_no_stall_the_window_costs_next_to_nothing() -> None:
    pacer = Pacer(PaceLimits(per_second=30), margin=0.04)
    now, stamps = 0.0, []
    for n in range(300):
        now = max(now, pacer.overall_ready_at(now))
        pacer.take(f"u{n}", False, now)
        stamps.append(now + 0.005)
        pacer.ended(f"u{n}", now + 0.01)  # answered 10 ms later
    assert most_in_any_window(stamps, 1.0) <= 30
    assert (len(stamps) - 1) / (stamps[-1] - stamps[0]) >= 0.95 * 30


class LateLoop(NotificationLoop):
    """The notification loop on a fake clock whose every timer fires late by
    a varying amount (seeded, up to 600 ms), as on a starved event loop, and
    whose requests reach the platform late as well (a stall between taking a
    slot and sending)."""

    def __init__(self, runtime: Runtime, sender: FakeSender, seed: int) -> None:
        super().__init__(runtime, sender)
        self.random = random.Random(seed)
        sender.on_the_way = lambda: self.sleep(0.0)

    async def sleep(self, seconds: float) -> None:
        draw = self.random.random()
        longest = 0.0 if draw < 0.5 else 0.01 if draw < 0.85 else 0.6
        await super().sleep(seconds + self.random.uniform(0, longest))


@pytest.mark.parametrize("seed", range(3))
def test_a_dispatcher_whose_timers_fire_late_sends_each_once_within_the_limits(
    runtime: Runtime, people: People, seed: int
) -> None:
    sender = FakeSender("test")
    loop = LateLoop(runtime, sender, seed)
    repeated = [Chat(f"r{n}") for n in range(8)]
    chats = [Chat(f"u{n}") for n in range(200)] + repeated * 4
    random.Random(seed).shuffle(chats)
    enqueue(runtime, people, chats)
    stats = loop.drain()
    assert stats.sent == len(chats) and sorted(sender.copies().values()) == [1] * len(chats)
    assert most_in_any_window([c.at for c in sender.calls], 1.0) <= 30
    for chat in repeated:
        times = [c.at for c in sender.calls if c.address == chat.address]
        assert len(times) == 4 and most_in_any_window(times, 1.0) == 1, (chat, times)
