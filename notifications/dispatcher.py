"""The dispatcher: drains the ledger through each platform's sender.

One worker per sender (one per bot token: the platform's cap is per token).
A worker takes the due deliveries of its platform, at most two per chat, and
repeatedly picks the first whose chat is ready (a chat that must wait never
holds back the others), claims it, renders it, waits for its slot in the
pacer, and sends it, at most one send in flight per chat. The outcome is
written at once, each in its own small transaction, so a crash leaves at
most the messages in flight uncertain.

Usable on its own (benchmarks, tests)::

    stats = await Dispatcher(runtime, [sender]).drain_until_empty()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from core.bootstrap import Runtime
from core.domain.deliveries import DeliveryState
from core.services import deliveries
from core.services.deliveries import DeliveryView, DueDelivery
from notifications.pacing import Pacer
from notifications.ports import Outcome, OutcomeKind, Outgoing, Sender
from notifications.render import Defer, Rendered, Skip, render

__all__ = ["Dispatcher", "DrainStats"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A send that takes longer than this has an unknown outcome.
SEND_TIMEOUT = 120.0
#: Due deliveries read at once per platform, and per chat among them.
FETCH = 200
PER_CHAT = 2
#: Messages claimed and rendered ahead of their slot.
AHEAD = 3


@dataclass
class DrainStats:
    """What a drain did: outcomes by kind, sends, and how long it took."""

    outcomes: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    skipped: int = 0
    deferred: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Messages sent per second over the drain."""
        return self.sent / self.seconds if self.seconds > 0 else 0.0


class _Worker:
    def __init__(self, dispatcher: Dispatcher, sender: Sender) -> None:
        self.d = dispatcher
        self.sender = sender
        self.platform = sender.platform
        settings = dispatcher.runtime.settings.notifications
        self.pacer = Pacer(sender.limits, settings.pace_margin)
        self.max_in_flight = max(1, settings.max_in_flight)
        self.poll = settings.poll_seconds
        self.lease = timedelta(seconds=settings.claim_lease_seconds)
        self.candidates: list[DueDelivery] = []
        self.fetched_at = float("-inf")
        self.reclaimed_at = float("-inf")
        self.tasks: set[asyncio.Task[None]] = set()
        #: Claimed and rendered, waiting for their slot: the next sends are
        #: ready when their time comes, so the pace is kept to the millisecond.
        self.ready: asyncio.Queue[tuple[DueDelivery, DeliveryView, Rendered] | None] = asyncio.Queue(AHEAD)
        self.queued = 0
        self.progress = asyncio.Event()
        self.recovered = False
        self.stats = DrainStats()
        #: Set when deliveries may have appeared (routed, a send ended).
        self.dirty = True
        self.event = asyncio.Event()
        #: Set when a send is answered (the pacer's windows may have room).
        self.answered = asyncio.Event()

    # -- the database, off the event loop --------------------------------------

    async def recover(self) -> None:
        """Rows left "sending" by a stopped process: unknown outcomes."""
        runtime = self.d.runtime
        found = await self.d.db(
            deliveries.reclaim, runtime.uow(), self.platform, runtime.settings, jitter=self.d.jitter()
        )
        if found:
            log.warning("%s: %d deliveries were being sent when the last run stopped", self.platform, found)
        self.recovered = True
        self.reclaimed_at = self.d.monotonic()
        if found:
            # The last run stopped in the middle of sending, maybe a moment ago:
            # what it sent in the last second still counts on the platform.
            self.pacer.hold(self.reclaimed_at + self.pacer.window.period)

    async def _fetch(self) -> None:
        runtime = self.d.runtime
        now = self.d.monotonic()
        if now - self.reclaimed_at >= self.lease.total_seconds() / 2:
            self.reclaimed_at = now
            await self.d.db(
                deliveries.reclaim,
                runtime.uow(),
                self.platform,
                runtime.settings,
                older_than=self.lease,
                jitter=self.d.jitter(),
            )
        found = await self.d.db(deliveries.due, runtime.uow(), self.platform, FETCH, PER_CHAT)
        self.candidates = [c for c in found if c.address not in self.pacer.in_flight]
        self.fetched_at = self.d.monotonic()
        self.pacer.forget_idle(self.fetched_at)

    # -- the loop -------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, drain: bool = False, max_wait: float = 0.0) -> None:
        if not self.recovered:
            await self.recover()
        sending = asyncio.create_task(self._send_loop())
        try:
            while not stop.is_set():
                try:
                    if not await self._step(drain, max_wait):
                        break
                except Exception:  # the database went away for a moment: keep going
                    if drain:
                        raise
                    log.exception("%s: sending failed; trying again", self.platform)
                    self.candidates = []
                    await self.idle(self.poll)
            await self.ready.put(None)  # what is ready still goes, then the loop ends
            await sending
        finally:
            if not sending.done():
                sending.cancel()
        await self.finish()

    async def _send_loop(self) -> None:
        """Take what is ready, in order, each at its slot."""
        while True:
            item = await self.ready.get()
            if item is None:
                return
            due, claimed, rendered = item
            await self._slot(due)
            task = asyncio.create_task(self._send(claimed, rendered))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            self.queued -= 1
            self.progress.set()

    async def _step(self, drain: bool, max_wait: float) -> bool:
        """One decision of the loop; False when a drain is over."""
        if self.d.monotonic() - self.fetched_at >= self.poll or (not self.candidates and self.dirty):
            self.dirty = False
            await self._fetch()
        if len(self.tasks) + self.queued >= self.max_in_flight:
            await self._wait_for_a_send()
            return True
        pick = self.pacer.pick(self.candidates, self.d.monotonic())
        if pick.index is not None:
            await self._prepare(self.candidates.pop(pick.index))
            return True
        if drain and not self.tasks and not self.queued and not self.candidates:
            await self._fetch()
            if self.candidates:
                return True
            wait = await self._until_more(max_wait)
            if wait is None:
                return False
            await self.idle(min(wait, self.poll))
            return True
        if (self.tasks or self.queued) and not self.candidates:
            await self._wait_for_a_send()
            return True
        timeout = self.poll
        if pick.wake_at is not None:
            timeout = max(0.0, min(timeout, pick.wake_at - self.d.monotonic()))
        await self.idle(timeout)
        return True

    def wake(self) -> None:
        self.dirty = True
        self.event.set()

    async def idle(self, seconds: float) -> None:
        """Wait ``seconds`` or until woken (with a fake clock: sleep it)."""
        if seconds <= 0:
            await asyncio.sleep(0)
        elif self.d.fake_sleep:
            await self.d.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), seconds)
        self.event.clear()

    async def finish(self) -> None:
        """Let the sends in flight end (their outcome is worth recording)."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=SEND_TIMEOUT)

    async def _until_more(self, max_wait: float) -> float | None:
        """While draining: None when nothing is left within ``max_wait``
        seconds; otherwise how long to wait for the next due delivery."""
        runtime = self.d.runtime
        summary = await self.d.db(deliveries.pending_summary, runtime.uow(), [self.platform])
        if summary.due_now:
            return 0.0
        if summary.next_at is None:
            return None
        wait = (summary.next_at - runtime.clock()).total_seconds()
        return None if wait > max_wait else max(0.0, wait)

    async def _wait_for_a_send(self) -> None:
        """Until a send starts or ends."""
        self.progress.clear()
        waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(self.progress.wait()), *self.tasks}
        _, pending = await asyncio.wait(waiters, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            if waiter not in self.tasks:
                waiter.cancel()

    async def _prepare(self, due: DueDelivery) -> None:
        """Claim and render; what is to be sent joins the ready queue."""
        runtime = self.d.runtime
        self.pacer.in_flight.add(due.address)
        try:
            claimed = await self.d.db(deliveries.claim, runtime.uow(), due.id)
            if claimed is None:
                self.pacer.in_flight.discard(due.address)
                return
            try:
                result = await self.d.db(render, runtime, claimed)
            except Exception as error:  # a bug must not stop the others: retried, then failed
                log.exception("rendering delivery %d failed", claimed.id)
                await self._record(
                    claimed, Outcome(OutcomeKind.TRANSIENT, error=f"rendering failed: {error!r}")
                )
                self.pacer.in_flight.discard(due.address)
                return
            if isinstance(result, Skip):
                await self.d.db(deliveries.skip, runtime.uow(), claimed.id, result.reason)
                self.stats.skipped += 1
                self.pacer.in_flight.discard(due.address)
                return
            if isinstance(result, Defer):
                await self.d.db(deliveries.defer, runtime.uow(), claimed.id, result.seconds, result.reason)
                self.stats.deferred += 1
                self.pacer.in_flight.discard(due.address)
                return
        except Exception:
            self.pacer.in_flight.discard(due.address)
            raise
        self.queued += 1
        await self.ready.put((due, claimed, result))

    async def _slot(self, due: DueDelivery) -> None:
        """Wait until both the overall limit and the chat allow a send, as
        the clock reads when the wait is over: a timer that fires late gets
        one send, never the ones it "missed"."""
        while True:
            now = self.d.monotonic()
            at = max(
                self.pacer.overall_ready_at(now),
                self.pacer.chat_ready_at(due.address, due.is_group, now),
            )
            if at <= now:
                self.pacer.take(due.address, due.is_group, now)
                return
            if math.isinf(at):  # only an answer to a send in flight frees a place
                self.answered.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.answered.wait(), self.poll)
            else:
                await self.d.sleep(at - now)

    async def _send(self, delivery: DeliveryView, rendered: Rendered) -> None:
        message = Outgoing(
            delivery_id=delivery.id,
            address=delivery.address,
            cards=rendered.cards,
            is_group=delivery.is_group,
            edit_ref=rendered.edit_ref,
            tags=rendered.tags,
        )
        try:
            outcome = await asyncio.wait_for(self.sender.send(message), SEND_TIMEOUT)
        except Exception as error:  # the port says never raise: the outcome is unknown
            log.exception("sender %s raised for delivery %d", self.platform, delivery.id)
            outcome = Outcome(OutcomeKind.UNCERTAIN, error=f"sender raised: {error!r}")
        finally:
            # Read as soon as the answer is in: the platform counted the send before.
            self.pacer.ended(delivery.address, self.d.monotonic())
            self.answered.set()
        try:
            await self._record(delivery, outcome)
        finally:
            self.pacer.in_flight.discard(delivery.address)
            self.progress.set()
            self.wake()

    async def _record(self, delivery: DeliveryView, outcome: Outcome) -> None:
        runtime = self.d.runtime
        self.stats.outcomes[outcome.kind] += 1
        if outcome.kind == OutcomeKind.RETRY_AFTER:
            self.pacer.pause(delivery.address, outcome.retry_after or 1.0, self.d.monotonic())
        try:
            state = await self.d.db(
                deliveries.record_outcome,
                runtime.uow(),
                delivery.id,
                outcome.kind,
                runtime.settings,
                ref=outcome.ref,
                retry_after=outcome.retry_after,
                error=outcome.error,
                jitter=self.d.jitter(),
            )
        except Exception:  # the row stays "sending": reclaimed as uncertain later
            log.exception("could not record the outcome of delivery %d", delivery.id)
            return
        if state == DeliveryState.SENT.value and outcome.kind == OutcomeKind.SENT:
            self.stats.sent += 1
        if state == DeliveryState.UNREACHABLE.value:
            self.candidates = [c for c in self.candidates if c.address != delivery.address]


class Dispatcher:
    """Drains deliveries through ``senders`` (one per platform).

    ``monotonic`` and ``sleep`` pace the sends (tests give a fake clock);
    ``jitter`` spreads the retries."""

    def __init__(
        self,
        runtime: Runtime,
        senders: Sequence[Sender],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.runtime = runtime
        self.monotonic = monotonic
        self._sleep = sleep
        self.jitter = jitter
        database = runtime.database
        shared = database.is_sqlite and database.url.database in (None, "", ":memory:")
        self._db_lock: asyncio.Lock | None = asyncio.Lock() if shared else None
        self.workers: list[_Worker] = []
        seen: set[str] = set()
        for sender in senders:
            if sender.platform in seen:
                log.warning("a second sender for %s is ignored: one per bot token", sender.platform)
                continue
            seen.add(sender.platform)
            self.workers.append(_Worker(self, sender))

    @property
    def platforms(self) -> list[str]:
        return [w.platform for w in self.workers]

    async def sleep(self, seconds: float) -> None:
        if self._sleep is not None:
            await self._sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    async def db(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a core call off the event loop. An in-memory SQLite database
        is one connection shared by every thread: there, one call at a time.
        Elsewhere an outcome is recorded at once, even while the next
        messages are being prepared."""
        if self._db_lock is None:
            return await asyncio.to_thread(call, *args, **kwargs)
        async with self._db_lock:
            return await asyncio.to_thread(call, *args, **kwargs)

    @property
    def fake_sleep(self) -> bool:
        return self._sleep is not None

    def wake(self) -> None:
        """Deliveries were written (the router routed a batch): look again."""
        for worker in self.workers:
            worker.wake()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set."""
        if not self.workers:
            await stop.wait()
            return
        await asyncio.gather(*(w.run(stop) for w in self.workers))

    async def drain_until_empty(self, *, max_wait: float = 60.0) -> DrainStats:
        """Send until nothing is left that is due within ``max_wait``
        seconds (0: nothing due now), then return what happened."""
        started = self.monotonic()
        stop = asyncio.Event()
        await asyncio.gather(*(w.run(stop, drain=True, max_wait=max_wait) for w in self.workers))
        await asyncio.gather(*(w.finish() for w in self.workers))
        total = DrainStats(seconds=self.monotonic() - started)
        for w in self.workers:
            total.outcomes.update(w.stats.outcomes)
            total.sent += w.stats.sent
            total.skipped += w.stats.skipped
            total.deferred += w.stats.deferred
            w.stats = DrainStats()
        return total
