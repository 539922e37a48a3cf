"""Deliveries: the rules of the notification ledger, with no I/O.

A delivery is one message promised to one chat (a member's identity on a
platform, or a group such as the moderators' chat). It moves
pending -> sending -> sent, or ends failed, unreachable or skipped (nothing
left to say by the time it could go). Its unique key makes every producer
(routing an event, building a digest) idempotent.

The one unknowable case: a send that timed out after the platform may have
accepted it. Telegram has no idempotency key, so it is retried once (counted
in ``uncertain``) and never a second time: after a second unknown outcome the
delivery fails, and only an admin may send it again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from core.domain.members import time_of_day
from core.errors import InvalidInput

__all__ = [
    "HELD_BY_QUIET_HOURS",
    "KEY_MAX",
    "MAX_UNCERTAIN_RETRIES",
    "DeliveryDraft",
    "DeliveryKind",
    "DeliveryState",
    "DigestPeriod",
    "Next",
    "Outcome",
    "backoff_seconds",
    "delivery_key",
    "digest_period",
    "format_quiet",
    "local_instant",
    "next_state",
    "parse_clock",
    "parse_quiet",
    "quiet_until",
]

KEY_MAX = 160
#: Retries after an unknown outcome: at most one extra copy, ever.
MAX_UNCERTAIN_RETRIES = 1


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    #: Nothing left to say when it could go (the item was decided, the
    #: digest's initiatives vanished): not an error, never sent.
    SKIPPED = "skipped"

    @property
    def final(self) -> bool:
        return self not in (DeliveryState.PENDING, DeliveryState.SENDING)


class DeliveryKind(StrEnum):
    ALERT = "alert"  # instant, to a member: a decision, an appeal, a response, a goal
    REVIEW = "review"  # a review item, to the moderators' chat
    OFFICIAL = "official"  # an initiative of an official's area reached its goal
    DIGEST = "digest"  # a member's daily or weekly digest
    RECALL = "recall"  # review items still waiting, to the moderators' chat
    SUMMARY = "summary"  # an official's weekly summary of what awaits them
    EDIT = "edit"  # a review card sent before, edited to show the decision
    LIVE = "live"  # an initiative's card in the initiatives' channel, posted then kept up to date


#: Kinds that wait for the end of the recipient's quiet hours. The
#: moderators' queue never waits, and a digest comes at the time the member chose.
HELD_BY_QUIET_HOURS = frozenset({DeliveryKind.ALERT, DeliveryKind.OFFICIAL, DeliveryKind.SUMMARY})


class Outcome(StrEnum):
    """What one send attempt came to (the Sender port's OutcomeKind values)."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # the platform said wait (429): not an attempt
    TRANSIENT = "transient"  # 5xx or a network error before the platform had it
    UNCERTAIN = "uncertain"  # a timeout after the platform may have accepted it
    UNREACHABLE = "unreachable"  # blocked by the user, chat gone
    REJECTED = "rejected"  # refused for good (400)


@dataclass(frozen=True)
class DeliveryDraft:
    """A delivery about to be written: routing and digests produce these."""

    key: str
    platform: str
    address: str
    kind: str
    topic: str
    payload: dict[str, Any]
    language: str
    not_before: datetime
    member_id: int | None = None
    is_group: bool = False


def delivery_key(kind: str, source: str, platform: str, address: str) -> str:
    """The unique key of one delivery: what (kind, source event or period)
    to whom (platform, address). Long keys keep a readable head and a hash."""
    key = f"{kind}:{source}:{platform}:{address}"
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: KEY_MAX - 33]}#{digest}"


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with "equal jitter": half the step is fixed, half
    random (``jitter`` in [0, 1)), so retries spread without ever retrying at
    once. ``attempt`` counts from 1; the step never exceeds ``cap``."""
    step = min(cap, base * 2.0 ** max(0, attempt - 1))
    return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)


@dataclass(frozen=True)
class Next:
    """Where a delivery goes after an attempt."""

    state: DeliveryState
    #: Seconds before the next attempt (pending only).
    wait: float = 0.0
    #: Attempts to count (a 429 gives its attempt back).
    attempts: int = 0
    uncertain: int = 0
    error: str | None = None


def next_state(
    outcome: Outcome,
    *,
    attempts: int,
    uncertain: int,
    max_attempts: int,
    backoff: float,
    retry_after: float | None = None,
    error: str | None = None,
) -> Next:
    """The ledger's rule for one outcome. ``attempts`` already counts the
    attempt that just ended; ``backoff`` is the wait before another one."""
    if outcome is Outcome.SENT:
        return Next(DeliveryState.SENT, attempts=attempts, uncertain=uncertain)
    if outcome is Outcome.RETRY_AFTER:
        # Flow control, not a failure: the message was not taken; try again
        # when told, without spending an attempt.
        wait = max(retry_after or 1.0, 0.0)
        return Next(DeliveryState.PENDING, wait, max(0, attempts - 1), uncertain, error)
    if outcome is Outcome.UNREACHABLE:
        return Next(DeliveryState.UNREACHABLE, attempts=attempts, uncertain=uncertain, error=error)
    if outcome is Outcome.REJECTED:
        return Next(DeliveryState.FAILED, attempts=attempts, uncertain=uncertain, error=error)
    if outcome is Outcome.UNCERTAIN:
        if uncertain >= MAX_UNCERTAIN_RETRIES:
            reason = (
                "unknown outcome twice (the platform may have delivered it): not retried again, "
                "to never send a third copy; retry by hand if it did not arrive"
            )
            return Next(
                DeliveryState.FAILED,
                attempts=attempts,
                uncertain=uncertain,
                error=f"{reason}: {error}" if error else reason,
            )
        return Next(DeliveryState.PENDING, backoff, attempts, uncertain + 1, error)
    # Transient: the platform never had it; retry with backoff, within limits.
    if attempts >= max_attempts:
        return Next(
            DeliveryState.FAILED,
            attempts=attempts,
            uncertain=uncertain,
            error=f"gave up after {attempts} attempts: {error or 'transient error'}",
        )
    return Next(DeliveryState.PENDING, backoff, attempts, uncertain, error)


# --- times of day, quiet hours ---------------------------------------------

_OFF = frozenset({"off", "none", "aucune", "aucun", "non", "no"})
QUIET_OFF = ("00:00", "00:00")


def parse_clock(text: str) -> str:
    """A bound of quiet hours (``time_of_day``); InvalidInput otherwise."""
    clock = time_of_day(text)
    if clock is None:
        raise InvalidInput("error.notifications_quiet", value=text.strip()[:20])
    return clock


def parse_quiet(spec: str) -> tuple[str, str]:
    """ "22:00-08:00", "22h-7h30", "off" -> (start, end); equal ends mean none."""
    text = spec.strip().lower()
    if text in _OFF:
        return QUIET_OFF
    start, sep, end = text.replace("–", "-").replace(" ", "").partition("-")
    if not sep:
        raise InvalidInput("error.notifications_quiet", value=spec.strip()[:20])
    return parse_clock(start), parse_clock(end)


def format_quiet(start: str, end: str) -> str | None:
    """ "22:00–08:00", or None when there are no quiet hours."""
    return None if start == end else f"{start}–{end}"


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes or 0)


def local_instant(day: date, clock: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day. A time skipped by
    a daylight-saving jump lands just after it; a repeated one is the first."""
    minutes = _minutes(clock)
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def quiet_until(start: str, end: str, time_zone: str, now: datetime) -> datetime | None:
    """When ``now`` falls in the quiet hours [start, end) of that time zone
    (spanning midnight when start > end), the instant they end; else None."""
    if start == end:
        return None
    zone = _zone(time_zone)
    local = now.astimezone(zone)
    current = local.hour * 60 + local.minute
    begin, finish = _minutes(start), _minutes(end)
    inside = begin <= current < finish if begin < finish else current >= begin or current < finish
    if not inside:
        return None
    day = local.date() if current < finish else local.date() + timedelta(days=1)
    return local_instant(day, end, zone)


# --- digest periods --------------------------------------------------------


@dataclass(frozen=True)
class DigestPeriod:
    """A digest's period: its key ("d2026-11-25", "w2026-W48"), when it is
    due (UTC), and the start of what it covers (the previous one's due time)."""

    key: str
    due: datetime
    since: datetime


def digest_period(frequency: str, digest_time: str, time_zone: str, now: datetime) -> DigestPeriod | None:
    """The latest digest period due at ``now`` for a member: daily at
    ``digest_time`` in their time zone, weekly on Monday at that time, None
    when off. Periods are contiguous: each covers [previous due, due)."""
    if frequency not in ("daily", "weekly"):
        return None
    zone = _zone(time_zone)
    today = now.astimezone(zone).date()
    if frequency == "daily":
        day = today if local_instant(today, digest_time, zone) <= now else today - timedelta(days=1)
        return DigestPeriod(
            key=f"d{day.isoformat()}",
            due=local_instant(day, digest_time, zone),
            since=local_instant(day - timedelta(days=1), digest_time, zone),
        )
    monday = today - timedelta(days=today.weekday())
    if local_instant(monday, digest_time, zone) > now:
        monday -= timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return DigestPeriod(
        key=f"w{year}-W{week:02d}",
        due=local_instant(monday, digest_time, zone),
        since=local_instant(monday - timedelta(days=7), digest_time, zone),
    )
