"""Pacing within a platform's limits, as plain arithmetic on a clock.

Each limit is a GCRA (the "virtual scheduling" form of a token bucket): a
theoretical arrival time that moves one interval per send. With a burst of
one, sends are evenly spaced, which keeps every sliding window the platform
counts (30 in any second overall, 1 a second per chat, 20 a minute per
group) under its limit, with a margin for network jitter.

The pacer picks, among the deliveries due, the first whose chat is ready:
one chat that must wait (a group at 20 a minute, a 429 with retry_after)
never holds back the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from notifications.ports import PaceLimits

__all__ = ["Gcra", "Pacer", "Pick"]


class Gcra:
    """At most one event per ``interval`` seconds, ``burst`` at once.

    ``slack``: a send that comes up to that late keeps the schedule (the next
    one is due an interval after the planned time, not the actual one), so
    timer wake-ups a millisecond late do not slow the pace down over time."""

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


class _Candidate(Protocol):
    @property
    def address(self) -> str: ...

    @property
    def is_group(self) -> bool: ...


@dataclass(frozen=True)
class Pick:
    """The candidate to send now (index in the list), or when to look again."""

    index: int | None
    wake_at: float | None


class Pacer:
    """The limits of one sender: overall, per chat, per group; pauses asked
    by the platform (retry_after); at most one send in flight per chat."""

    def __init__(self, limits: PaceLimits, margin: float = 0.0) -> None:
        stretch = 1.0 + max(0.0, margin)
        interval = stretch / limits.per_second
        # A quarter interval of slack stays within the margin: any second
        # still holds fewer sends than the platform allows.
        self.overall = Gcra(interval, slack=interval / 4)
        self.chat_interval = stretch / limits.per_chat_per_second
        self.group_interval = 60.0 * stretch / limits.per_group_per_minute
        self._chats: dict[str, Gcra] = {}
        self._paused: dict[str, float] = {}
        self.in_flight: set[str] = set()

    def _chat(self, address: str, is_group: bool) -> Gcra:
        gcra = self._chats.get(address)
        if gcra is None:
            gcra = Gcra(self.group_interval if is_group else self.chat_interval)
            self._chats[address] = gcra
        return gcra

    def chat_ready_at(self, address: str, is_group: bool, now: float) -> float:
        ready = self._chat(address, is_group).ready_at(now)
        return max(ready, self._paused.get(address, now))

    def pick(self, candidates: Sequence[_Candidate], now: float) -> Pick:
        """The first candidate whose chat is free and ready when the overall
        limit next allows a send; else when something will be ready."""
        at = self.overall.ready_at(now)
        soonest: float | None = None
        for index, candidate in enumerate(candidates):
            if candidate.address in self.in_flight:
                continue
            ready = self.chat_ready_at(candidate.address, candidate.is_group, at)
            if ready <= at:
                return Pick(index, at)
            soonest = ready if soonest is None else min(soonest, ready)
        return Pick(None, soonest)

    def overall_ready_at(self, now: float) -> float:
        return self.overall.ready_at(now)

    def take(self, address: str, is_group: bool, now: float) -> None:
        """A send starts now."""
        self.overall.take(now)
        self._chat(address, is_group).take(now)

    def pause(self, address: str, seconds: float, now: float) -> None:
        """The platform asked this chat to wait (429 retry_after)."""
        self._paused[address] = max(self._paused.get(address, now), now + max(0.0, seconds))

    def forget_idle(self, now: float) -> None:
        """Drop the state of chats that no longer constrain anything."""
        for address in [a for a, g in self._chats.items() if g.idle(now) and a not in self.in_flight]:
            del self._chats[address]
        for address in [a for a, until in self._paused.items() if until <= now]:
            del self._paused[address]
