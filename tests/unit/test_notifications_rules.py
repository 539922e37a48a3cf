"""The plain rules of the delivery ledger: keys, backoff, the uncertain
outcome, quiet hours and digest periods in the member's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.deliveries import (
    KEY_MAX,
    DeliveryState,
    Outcome,
    backoff_seconds,
    delivery_key,
    digest_period,
    next_state,
    parse_quiet,
    quiet_until,
)
from core.errors import InvalidInput


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_keys_are_readable_and_bounded() -> None:
    assert delivery_key("alert", "e12", "telegram", "42") == "alert:e12:telegram:42"
    long = delivery_key("digest", "m1:d2026-11-25", "discord", "x" * 300)
    assert len(long) <= KEY_MAX and long.startswith("digest:m1:d2026-11-25:discord:")
    assert long != delivery_key("digest", "m1:d2026-11-25", "discord", "x" * 299 + "y")


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert [backoff_seconds(n, 2.0, 600.0, 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [backoff_seconds(n, 2.0, 600.0, 0.999999) for n in (1, 2)] == pytest.approx([2.0, 4.0])
    assert backoff_seconds(30, 2.0, 600.0, 0.0) == 300.0
    assert backoff_seconds(30, 2.0, 600.0, 1.0) == 600.0


def step(outcome: Outcome, attempts: int = 1, uncertain: int = 0, **kw: float) -> tuple[str, float, int, int]:
    found = next_state(outcome, attempts=attempts, uncertain=uncertain, max_attempts=3, backoff=10.0, **kw)
    return found.state.value, found.wait, found.attempts, found.uncertain


def test_outcomes_move_a_delivery_as_the_ledger_promises() -> None:
    assert step(Outcome.SENT) == ("sent", 0.0, 1, 0)
    assert step(Outcome.RETRY_AFTER, 2, retry_after=7.0) == ("pending", 7.0, 1, 0)  # not an attempt
    assert step(Outcome.TRANSIENT, 2) == ("pending", 10.0, 2, 0)
    assert step(Outcome.TRANSIENT, 3)[0] == "failed"
    assert step(Outcome.UNREACHABLE)[0] == "unreachable"
    assert step(Outcome.REJECTED)[0] == "failed"


def test_an_uncertain_outcome_is_retried_once_and_then_fails_clearly() -> None:
    assert step(Outcome.UNCERTAIN, 1, 0) == ("pending", 10.0, 1, 1)
    second = next_state(Outcome.UNCERTAIN, attempts=2, uncertain=1, max_attempts=9, backoff=10.0)
    assert second.state is DeliveryState.FAILED and second.uncertain == 1
    assert second.error is not None and "never send a third copy" in second.error


def test_quiet_hours_span_midnight_in_the_members_time_zone() -> None:
    paris = "Europe/Paris"
    # Winter: Paris is UTC+1. 21:59 Paris is not quiet; 22:00 is; 07:59 too; 08:00 not.
    assert quiet_until("22:00", "08:00", paris, at(2026, 1, 10, 20, 59)) is None
    assert quiet_until("22:00", "08:00", paris, at(2026, 1, 10, 21, 0)) == at(2026, 1, 11, 7, 0)
    assert quiet_until("22:00", "08:00", paris, at(2026, 1, 11, 6, 59)) == at(2026, 1, 11, 7, 0)
    assert quiet_until("22:00", "08:00", paris, at(2026, 1, 11, 7, 0)) is None
    # The night the clocks go forward (29 March 2026): 08:00 is UTC+2.
    assert quiet_until("22:00", "08:00", paris, at(2026, 3, 28, 23, 0)) == at(2026, 3, 29, 6, 0)
    # Hours within a day, and none at all.
    assert quiet_until("13:00", "14:00", "UTC", at(2026, 1, 1, 13, 30)) == at(2026, 1, 1, 14, 0)
    assert quiet_until("00:00", "00:00", paris, at(2026, 1, 1, 3, 0)) is None


def test_quiet_hours_are_typed_the_way_people_write_times() -> None:
    assert parse_quiet("22:00-08:00") == ("22:00", "08:00")
    assert parse_quiet("23h30 - 6h") == ("23:30", "06:00")
    assert parse_quiet("off") == ("00:00", "00:00")
    for bad in ("22:00", "25:00-08:00", "soon-later", "22:61-01:00"):
        with pytest.raises(InvalidInput):
            parse_quiet(bad)


def test_daily_digests_fall_at_the_members_time_and_cover_the_day_before() -> None:
    paris = "Europe/Paris"
    before = digest_period("daily", "18:00", paris, at(2026, 11, 25, 16, 59))  # 17:59 in Paris
    due = digest_period("daily", "18:00", paris, at(2026, 11, 25, 17, 0))
    assert before is not None and due is not None
    assert before.key == "d2026-11-24" and due.key == "d2026-11-25"
    assert due.due == at(2026, 11, 25, 17, 0) and due.since == at(2026, 11, 24, 17, 0)
    tokyo = digest_period("daily", "08:00", "Asia/Tokyo", at(2026, 11, 25, 0, 0))  # 09:00 in Tokyo
    assert tokyo is not None and tokyo.key == "d2026-11-25" and tokyo.due == at(2026, 11, 24, 23, 0)
    assert digest_period("off", "18:00", paris, at(2026, 11, 25, 17, 0)) is None


def test_weekly_digests_fall_on_monday_at_the_members_time() -> None:
    monday = digest_period("weekly", "18:00", "Europe/Paris", at(2026, 11, 23, 17, 0))  # Mon 18:00
    sunday = digest_period("weekly", "18:00", "Europe/Paris", at(2026, 11, 29, 22, 0))
    early = digest_period("weekly", "18:00", "Europe/Paris", at(2026, 11, 23, 16, 0))
    assert monday is not None and sunday is not None and early is not None
    assert monday.key == sunday.key == "w2026-W48"
    assert early.key == "w2026-W47"
    assert monday.due == at(2026, 11, 23, 17, 0) and monday.since == at(2026, 11, 16, 17, 0)
