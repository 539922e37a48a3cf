"""Pacing within a platform's limits, as plain arithmetic on a clock.

Two rules together, for each limit the platform counts (30 in any second
overall, 1 a second per chat, 20 a minute per group):

- the guarantee, a :class:`Window` over what was really sent. The platform
  stamps each message at some moment between the start of its send and the
  answer; the pacer cannot know which. So every send counts from its start
  until its answer came back, plus the window's length: a send may start only
  when fewer than the limit could share any window with it. This holds
  however late the event loop runs — a send whose slot was taken before a
  stall and whose request left after it is still counted — and a late timer
  is never "caught up": the slots are read from the real clock when a send
  starts, never from the time it was planned for.
- the pace, a :class:`Gcra` (the "virtual scheduling" form of a token
  bucket): sends are evenly spaced a little under the limit, so the window
  rarely has to hold anything back when the loop is healthy.

The pacer picks, among the deliveries due, the first whose chat is ready:
one chat that must wait (a group at 20 a minute, a 429 with retry_after)
never holds back the others.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from notifications.ports import PaceLimits

__all__ = ["Gcra", "Pacer", "Pick", "Window"]


class Gcra:
    """At most one event per ``interval`` seconds, ``burst`` at once.

    ``slack``: a send that comes up to that late keeps the schedule (the next
    one is due an interval after the planned time, not the actual one), so
    timer wake-ups a millisecond late do not slow the pace down over time.
    Later than that, the schedule restarts from the actual time: a stall is
    never made up with a burst."""

    def __init__(self, interval: float, burst: int = 1, slack: float = 0.0) -> None:
        if interval < 0 or burst < 1 or not 0 <= slack < max(interval, 1e-9):
            raise ValueError("interval >= 0, burst >= 1, 0 <= slack < interval")
        self.interval = interval
        self.tolerance = (burst - 1) * interval
        self.slack = slack
        self.tat = float("-inf")  # theoretical arrival time of the next event

    def ready_at(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def take(self, now: float) -> None:
        base = self.tat if self.tat >= now - self.slack else now
        self.tat = max(base, self.tat) + self.interval

    def idle(self, now: float) -> bool:
        """True when taking now would not depend on the past."""
        return self.tat <= now


class Window:
    """At most ``count`` sends in any ``period`` seconds, wherever the
    platform stamps each send between its start and its answer.

    A send that started at ``s`` shares a window with an earlier one only if
    the platform stamped the earlier one after ``s - period``; it stamped it
    before its answer came back. So a send may start at ``s`` when fewer than
    ``count`` earlier sends are unanswered or were answered after
    ``s - period``. Nothing here depends on when a send was planned, nor on
    how long its request took to leave: only on moments read from the clock
    before it started and after it was answered."""

    def __init__(self, count: int, period: float) -> None:
        if count < 1 or period <= 0:
            raise ValueError("count >= 1, period > 0")
        self.count = count
        self.period = period
        self._open: Counter[str] = Counter()  # sends started, not yet answered
        self._ends: list[float] = []  # when the others were answered, in order

    @property
    def in_flight(self) -> int:
        return self._open.total()

    def ready_at(self, now: float) -> float:
        """The first moment from ``now`` when a send may start (infinite
        while only an answer can free a place)."""
        room = self.count - 1 - self.in_flight  # answered sends that may still count
        if room < 0:
            return math.inf
        counted = len(self._ends) - bisect.bisect_right(self._ends, now - self.period)
        if counted <= room:
            return now
        # The (room + 1)-th latest answer must leave the window first.
        return self._ends[len(self._ends) - 1 - room] + self.period

    def start(self, key: str) -> None:
        self._open[key] += 1

    def end(self, key: str, at: float) -> None:
        """The send under ``key`` was answered (or given up) at ``at``."""
        if self._open[key] <= 0:  # never started: nothing to count
            return
        self._open[key] -= 1
        if not self._open[key]:
            del self._open[key]
        bisect.insort(self._ends, at)

    def forget(self, now: float) -> None:
        """Drop answers that can no longer share a window with a send from ``now``."""
        del self._ends[: bisect.bisect_right(self._ends, now - self.period)]

    def idle(self, now: float) -> bool:
        return not self._open and (not self._ends or self._ends[-1] <= now - self.period)


def _window(per: float, seconds: float) -> Window:
    """``per`` sends every ``seconds`` as a whole number of sends in a window."""
    count = max(1, math.floor(per))
    return Window(count, seconds * count / per)


@dataclass
class _ChatPace:
    pace: Gcra
    window: Window

    def ready_at(self, now: float) -> float:
        return max(self.pace.ready_at(now), self.window.ready_at(now))


class _Candidate(Protocol):
    @property
    def address(self) -> str: ...

    @property
    def is_group(self) -> bool: ...


@dataclass(frozen=True)
class Pick:
    """The candidate to send now (index in the list), or when to look again
    (infinite: when a send in flight is answered)."""

    index: int | None
    wake_at: float | None


class Pacer:
    """The limits of one sender: overall, per chat, per group; pauses asked
    by the platform (retry_after); at most one send in flight per chat.

    The dispatcher calls :meth:`take` when a send starts and :meth:`ended`
    when its answer came back (or it was given up)."""

    def __init__(self, limits: PaceLimits, margin: float = 0.0) -> None:
        self.limits = limits
        stretch = 1.0 + max(0.0, margin)
        interval = stretch / limits.per_second
        # Half an interval of slack keeps the pace over timers that fire late
        # on a busy machine (two sends are never closer than half an
        # interval); the window below is what keeps every second within the limit.
        self.overall = Gcra(interval, slack=interval / 2)
        self.window = _window(limits.per_second, 1.0)
        self.chat_interval = stretch / limits.per_chat_per_second
        self.group_interval = 60.0 * stretch / limits.per_group_per_minute
        self._chats: dict[str, _ChatPace] = {}
        self._paused: dict[str, float] = {}
        self._held_until = -math.inf
        self.in_flight: set[str] = set()

    def _chat(self, address: str, is_group: bool) -> _ChatPace:
        chat = self._chats.get(address)
        if chat is None:
            if is_group:
                chat = _ChatPace(Gcra(self.group_interval), _window(self.limits.per_group_per_minute, 60.0))
            else:
                chat = _ChatPace(Gcra(self.chat_interval), _window(self.limits.per_chat_per_second, 1.0))
            self._chats[address] = chat
        return chat

    def chat_ready_at(self, address: str, is_group: bool, now: float) -> float:
        ready = self._chat(address, is_group).ready_at(now)
        return max(ready, self._paused.get(address, now))

    def overall_ready_at(self, now: float) -> float:
        return max(self.overall.ready_at(now), self.window.ready_at(now), self._held_until)

    def pick(self, candidates: Sequence[_Candidate], now: float) -> Pick:
        """The first candidate whose chat is free and ready when the overall
        limit next allows a send; else when something will be ready."""
        at = self.overall_ready_at(now)
        if math.isinf(at):
            return Pick(None, at)
        soonest: float | None = None
        for index, candidate in enumerate(candidates):
            if candidate.address in self.in_flight:
                continue
            ready = self.chat_ready_at(candidate.address, candidate.is_group, at)
            if ready <= at:
                return Pick(index, at)
            soonest = ready if soonest is None else min(soonest, ready)
        return Pick(None, soonest)

    def take(self, address: str, is_group: bool, now: float) -> None:
        """A send starts now (``now`` read from the clock, not planned)."""
        chat = self._chat(address, is_group)
        self.overall.take(now)
        chat.pace.take(now)
        self.window.start(address)
        chat.window.start(address)

    def ended(self, address: str, now: float) -> None:
        """The send to ``address`` was answered now, or given up."""
        self.window.end(address, now)
        chat = self._chats.get(address)
        if chat is not None:
            chat.window.end(address, now)

    def pause(self, address: str, seconds: float, now: float) -> None:
        """The platform asked this chat to wait (429 retry_after)."""
        self._paused[address] = max(self._paused.get(address, now), now + max(0.0, seconds))

    def hold(self, until: float) -> None:
        """Nothing starts before ``until`` (another process may have sent
        just before: this one cannot know what the platform counted)."""
        self._held_until = max(self._held_until, until)

    def forget_idle(self, now: float) -> None:
        """Drop the state of chats that no longer constrain anything."""
        self.window.forget(now)
        for address in [
            a
            for a, chat in self._chats.items()
            if chat.pace.idle(now) and chat.window.idle(now) and a not in self.in_flight
        ]:
            del self._chats[address]
        for address in [a for a, until in self._paused.items() if until <= now]:
            del self._paused[address]
