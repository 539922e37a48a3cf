"""The scheduler: APScheduler 3 in the running event loop, its jobs stored in
the project's database (SQLAlchemyJobStore, table ``apscheduler_jobs``).

Jobs: the digest tick (every few minutes, builds the digests that are due;
idempotent, one digest per member and period), the daily recall of review
items waiting for more than a day, the officials' weekly summary, the
expiry of initiatives past their term, the nightly count of each area's
participation ladder (shown on officials' records), and the daily purge of
records kept no longer than ``privacy.keep_days`` (core.services.privacy.purge).
When the recall and the summary go is configured
(``notifications.recall_time``, ``summary_day``, ``summary_time``).
An error in a job is APScheduler's to log, with its traceback; the job runs
again at its next time.

Coalescing and no misfire limit: a run missed while the service was down
happens once when it comes back, not once per missed run. Exactly one
scheduler runs per deployment: a process waits on the leader lock
(``core.services.leadership``, implemented in ``core.storage.leader_lock``)
and takes over when the holder dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.bootstrap import Runtime
from core.domain.deliveries import DeliveryKind
from core.domain.delivery_payloads import Recall, Summary
from core.errors import Forbidden, NotFound
from core.services import area_ladder, audiences, digests, initiatives, notices, officials, privacy
from core.services.leadership import LeaderLock
from notifications.router import drafts_for

__all__ = [
    "JOBS",
    "count_area_ladders",
    "create_scheduler",
    "digest_tick",
    "expire_initiatives",
    "next_runs",
    "officials_summaries",
    "purge_old_data",
    "recall_reviews",
    "run_scheduler",
]

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"

#: The runtime of the scheduler running in this process. Stored jobs name
#: their function ("notifications.scheduler:digest_tick") and find it here.
_runtime: Runtime | None = None


def _current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the scheduler is not running in this process")
    return _runtime


def digest_tick() -> int:
    """Build the digests due now (and their deliveries)."""
    runtime = _current()
    run = digests.build_due(runtime.uow(), runtime.settings)
    if run.digests:
        log.info("built %d digests (%d deliveries)", run.digests, run.deliveries)
    return run.digests


def recall_reviews() -> int:
    """Review items open for more than a day: one reminder per moderators'
    chat (or moderator) listing them, once a day."""
    runtime = _current()
    settings = runtime.settings
    items = notices.stale_review_items(
        runtime.uow(), timedelta(hours=settings.notifications.recall_after_hours)
    )
    if not items:
        return 0
    with runtime.uow() as uow:
        now = uow.now()
        recipients = audiences.moderator_recipients(uow, settings)
    drafts = drafts_for(
        recipients,
        kind=DeliveryKind.RECALL,
        source=f"{now.date().isoformat()}",
        topic="recall",
        payload=Recall(tuple(items)),
        now=now,
    )
    notices.record_recall(runtime.uow(), items, drafts)
    return len(items)


def officials_summaries() -> int:
    """Each official with something awaiting their response hears it, weekly."""
    runtime = _current()
    sent = 0
    for official_id in notices.active_officials(runtime.uow()):
        try:
            waiting = officials.awaiting_my_response(runtime.uow(), official_id)
        except (Forbidden, NotFound):  # the mandate was revoked, or the member left, meanwhile
            continue
        if not waiting:
            continue
        with runtime.uow() as uow:
            now = uow.now()
            year, week, _ = now.isocalendar()
            drafts = drafts_for(
                audiences.identities(uow, [official_id]),
                kind=DeliveryKind.SUMMARY,
                source=f"m{official_id}:w{year}-W{week:02d}",
                topic="summary",
                payload=Summary(len(waiting)),
                now=now,
            )
        notices.enqueue(runtime.uow(), drafts)
        sent += 1
    return sent


def expire_initiatives() -> int:
    """Initiatives past their term stop accepting support."""
    runtime = _current()
    total = 0
    while True:
        expired = initiatives.expire_due(runtime.uow())
        total += expired
        if not expired:
            return total


def count_area_ladders() -> int:
    """Each area's members per rung of the participation ladder, recounted."""
    return area_ladder.count_all(_current().uow())


def purge_old_data() -> int:
    """Delivery records, abandoned conversations and spent codes older than
    ``privacy.keep_days``, processed update ids older than a few days, in
    batches."""
    runtime = _current()
    purged = privacy.purge(runtime.uow, runtime.settings.privacy)
    total = sum(purged.values())
    if total:
        log.info("purged %d old rows: %s", total, purged)
    return total


def _at(clock: str, zone: str, **days: str) -> CronTrigger:
    """A daily (or, given ``day_of_week``, weekly) trigger at "HH:MM"."""
    hour, _, minute = clock.partition(":")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=zone, **days)


def _jobs(runtime: Runtime) -> dict[str, tuple[Any, Any]]:
    settings = runtime.settings
    zone = settings.default_time_zone
    n = settings.notifications
    return {
        "digest_tick": (digest_tick, IntervalTrigger(minutes=n.digest_tick_minutes)),
        "recall_reviews": (recall_reviews, _at(n.recall_time, zone)),
        "officials_summaries": (officials_summaries, _at(n.summary_time, zone, day_of_week=n.summary_day)),
        "expire_initiatives": (expire_initiatives, IntervalTrigger(hours=1)),
        "count_area_ladders": (count_area_ladders, _at(n.ladder_time, zone)),
        "purge_old_data": (purge_old_data, _at(settings.privacy.purge_time, zone)),
    }


#: The jobs' ids, in the job store.
JOBS = (
    "digest_tick",
    "recall_reviews",
    "officials_summaries",
    "expire_initiatives",
    "count_area_ladders",
    "purge_old_data",
)


def create_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """A scheduler on the project's database; ``start`` it in a running loop."""
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.database.engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=runtime.settings.default_time_zone,
    )


def _install_jobs(scheduler: AsyncIOScheduler, runtime: Runtime) -> None:
    """Add the jobs the store lacks; keep the stored ones (their next run
    time is what makes a run missed during downtime happen once), changing
    only a trigger the configuration changed."""
    for job_id, (func, trigger) in _jobs(runtime).items():
        job = scheduler.get_job(job_id)
        if job is None:
            scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True)
        elif str(job.trigger) != str(trigger):
            job.reschedule(trigger)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_scheduler(
    runtime: Runtime, stop: asyncio.Event, *, poll: float = 5.0, lock: LeaderLock | None = None
) -> None:
    """Wait to be the deployment's one scheduler, then run the jobs until
    ``stop``; if the lock is lost (its database connection died), stop the
    jobs and wait again."""
    global _runtime
    lock = lock or LeaderLock(runtime.database)
    while not stop.is_set():
        if not await asyncio.to_thread(lock.try_acquire):
            await _wait(stop, poll)
            continue
        log.info("this process runs the scheduler")
        scheduler = create_scheduler(runtime)
        _runtime = runtime
        try:
            scheduler.start(paused=True)
            await asyncio.to_thread(_install_jobs, scheduler, runtime)
            scheduler.resume()
            while not stop.is_set():
                await _wait(stop, poll)
                if not await asyncio.to_thread(lock.held):
                    log.error("the scheduler lock was lost: stopping the jobs until it is ours again")
                    break
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            _runtime = None
            await asyncio.to_thread(lock.release)


def next_runs(runtime: Runtime) -> dict[str, datetime | None]:
    """When each stored job runs next (diagnostics and tests)."""
    jobstore = SQLAlchemyJobStore(engine=runtime.database.engine, tablename=JOB_TABLE)
    jobstore.start(create_scheduler(runtime), "default")
    return {job.id: job.next_run_time for job in jobstore.get_all_jobs()}
