"""A fake platform behind the Sender port, scripted to fail like real ones.

It answers each send with what a script or a seeded fault rate says: "sent",
"429" (retry_after), "5xx" and "refused" (transient: the platform never had
it), "timeout" (uncertain: the platform DID take it, the answer was lost),
"lost" (uncertain: the platform never had it), "blocked" (unreachable) and
"rejected". It records what the platform really has (``delivered``) and every
call with the time it came (``calls``), to count copies and check pacing.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from notifications.ports import Outcome, OutcomeKind, Outgoing, PaceLimits

__all__ = ["FAULTS", "Call", "FakeSender", "NotificationLoop"]

#: Faults the fake can answer with (and "sent").
FAULTS = ("429", "5xx", "refused", "timeout", "lost", "blocked", "rejected")


@dataclass(frozen=True)
class Call:
    delivery_id: int
    address: str
    answer: str
    at: float
    edit_ref: str | None = None


@dataclass
class FakeSender:
    """``FakeSender("test")``; ``fail_next("429", "5xx")``; ``block("bob")``;
    ``FakeSender("test", fault_rate=0.2, faults=("429", "5xx", "refused"))``."""

    platform: str = "test"
    limits: PaceLimits = field(default_factory=PaceLimits)
    fault_rate: float = 0.0
    faults: tuple[str, ...] = ("429", "5xx", "refused")
    seed: int = 0
    retry_after: float = 1.0
    clock: Callable[[], float] = lambda: 0.0
    #: Awaited before the platform gets each request (a starved loop, a slow
    #: network): the platform stamps the call (``at``) after it.
    on_the_way: Callable[[], Awaitable[object]] | None = None
    delivered: list[Outgoing] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._script: list[str] = []
        self._blocked: set[str] = set()
        self._next_ref = 1

    def fail_next(self, *answers: str) -> None:
        """The next sends get these answers, in order."""
        self._script.extend(answers)

    def block(self, address: str) -> None:
        self._blocked.add(address)

    def unblock(self, address: str) -> None:
        self._blocked.discard(address)

    def _answer(self, message: Outgoing) -> str:
        if self._script:
            return self._script.pop(0)
        if message.address in self._blocked:
            return "blocked"
        if self.fault_rate and self._random.random() < self.fault_rate:
            return self._random.choice(self.faults)
        return "sent"

    def _take(self, message: Outgoing) -> str:
        self.delivered.append(message)
        ref = message.edit_ref or str(self._next_ref)
        self._next_ref += 1
        return ref

    async def send(self, message: Outgoing) -> Outcome:
        if self.on_the_way is not None:
            await self.on_the_way()
        answer = self._answer(message)
        self.calls.append(Call(message.delivery_id, message.address, answer, self.clock(), message.edit_ref))
        if answer == "sent":
            return Outcome(OutcomeKind.SENT, ref=self._take(message))
        if answer == "429":
            return Outcome(OutcomeKind.RETRY_AFTER, retry_after=self.retry_after, error="429 Too Many")
        if answer in ("5xx", "refused"):
            return Outcome(OutcomeKind.TRANSIENT, error=f"{answer} before the platform had it")
        if answer == "timeout":
            self._take(message)  # the platform has it; the answer never came back
            return Outcome(OutcomeKind.UNCERTAIN, error="timed out after sending")
        if answer == "lost":
            return Outcome(OutcomeKind.UNCERTAIN, error="timed out, never arrived")
        if answer == "blocked":
            return Outcome(OutcomeKind.UNREACHABLE, error="Forbidden: bot was blocked by the user")
        if answer == "rejected":
            return Outcome(OutcomeKind.REJECTED, error="Bad Request: message is too long")
        raise AssertionError(f"unknown scripted answer {answer!r}")

    # -- reading -----------------------------------------------------------

    def to(self, address: str) -> list[Outgoing]:
        """What the platform holds for one chat (sent and edited)."""
        return [m for m in self.delivered if m.address == address]

    def texts(self, address: str) -> list[str]:
        """Each message for the chat as one string (titles and lines)."""
        out = []
        for message in self.to(address):
            parts: list[str] = []
            for card in message.cards:
                parts.extend(filter(None, [card.title, *card.lines, card.footer]))
                parts.extend(a.label for a in card.actions)
            out.append("\n".join(parts))
        return out

    def copies(self) -> Counter[int]:
        """How many times the platform took each delivery (edits excluded)."""
        return Counter(m.delivery_id for m in self.delivered if m.edit_ref is None)


class NotificationLoop:
    """Routes the outbox and drains the ledger through fake senders, pacing
    on a fake clock (no wall-clock waits): ``loop.run()`` after actions."""

    def __init__(self, runtime: Any, *senders: FakeSender) -> None:
        from notifications.router import Router

        self.runtime = runtime
        self.senders = senders or (FakeSender(),)
        self.now = 0.0
        for sender in self.senders:
            sender.clock = self.monotonic
        self.router = Router(runtime, gap_seconds=0)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # Let the sends started before this moment reach the platform first,
        # as they would in real time (a started send is a few steps of the loop).
        for _ in range(5):
            await asyncio.sleep(0)
        self.now += seconds
        await asyncio.sleep(0)

    def dispatcher(self) -> Any:
        from notifications.dispatcher import Dispatcher

        return Dispatcher(
            self.runtime, list(self.senders), monotonic=self.monotonic, sleep=self.sleep, jitter=lambda: 0.5
        )

    def route(self) -> int:
        return int(self.router.route_all())

    def drain(self, max_wait: float = 0.0) -> Any:
        return asyncio.run(self.dispatcher().drain_until_empty(max_wait=max_wait))

    def run(self, max_wait: float = 0.0) -> Any:
        """Route what happened, then send what is due now."""
        self.route()
        return self.drain(max_wait)

    @property
    def sender(self) -> FakeSender:
        return self.senders[0]
