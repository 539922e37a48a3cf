"""Badges: levels a member reaches on a measure of what they moved.

A badge (configured in config/possibles.toml, ``[[badges]]``) counts one
measure — initiatives proposed, supporters gathered, initiatives achieved,
volunteering, upheld reports, official responses obtained, counter-proposals
that overtook the initiative they answered — and has levels, one per
threshold. The rules, written here once:

- A measure counts facts that hold now. Most are lines of the points ledger
  (``MEASURE_OF_POINTS``), so a badge is never given for what earns no
  points (one support per member and initiative, the author's own support
  excluded, an achievement only when it moved something) and a fact undone
  (a support withdrawn, a decision overturned) lowers the measure again.
- A level is earned the moment the measure reaches its threshold, once: a
  member holds each (badge, level) at most once, so going down and up again
  earns nothing new, and a level earned stays earned when the measure later
  drops (others withdrawing their support does not take a badge away).
- ``possibles admin rescore`` rebuilds the measures from the facts and adds
  the levels they reach; it takes no level away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.reputation import PointReason

__all__ = [
    "MEASURE_OF_POINTS",
    "BadgeBook",
    "BadgeRule",
    "EarnedBadge",
    "Measure",
    "counter_ref",
    "highest_levels",
]


class Measure(StrEnum):
    """What a badge counts."""

    PROPOSED = "proposed"
    SUPPORTERS = "supporters"
    VOLUNTEERED = "volunteered"
    ACHIEVED = "achieved"
    RESPONSES = "responses"
    REPORTS_UPHELD = "reports_upheld"
    #: Counter-proposals that gathered more supporters than the initiative they answered.
    COUNTERS_AHEAD = "counters_ahead"


#: The measures that count lines of the points ledger, by the lines' reason.
MEASURE_OF_POINTS: Mapping[PointReason, Measure] = {
    PointReason.PROPOSED: Measure.PROPOSED,
    PointReason.SUPPORT_RECEIVED: Measure.SUPPORTERS,
    PointReason.VOLUNTEERED: Measure.VOLUNTEERED,
    PointReason.ACHIEVED: Measure.ACHIEVED,
    PointReason.OFFICIAL_RESPONSE: Measure.RESPONSES,
    PointReason.REPORT_UPHELD: Measure.REPORTS_UPHELD,
}


def counter_ref(counter_id: int) -> str:
    """The fact of a counter-proposal overtaking the initiative it answered."""
    return f"i{counter_id}"


@dataclass(frozen=True)
class BadgeRule:
    """One badge: its key (stable, stored with each level earned), what it
    counts, its thresholds (level n is reached at ``thresholds[n - 1]``), and
    its name and description by language."""

    key: str
    measure: Measure
    thresholds: tuple[int, ...]
    name: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.thresholds or any(n < 1 for n in self.thresholds):
            raise ValueError(f"badge {self.key!r}: thresholds must be positive")
        if list(self.thresholds) != sorted(set(self.thresholds)):
            raise ValueError(f"badge {self.key!r}: thresholds must go up")

    @property
    def top(self) -> int:
        """The highest level."""
        return len(self.thresholds)

    def levels_at(self, value: int) -> int:
        """How many levels a measure of ``value`` reaches."""
        return sum(1 for threshold in self.thresholds if value >= threshold)

    def level_reached_by(self, value: int) -> int | None:
        """The level whose threshold is exactly ``value`` (a measure moving up
        by one reaches at most one level), None otherwise."""
        for level, threshold in enumerate(self.thresholds, start=1):
            if threshold == value:
                return level
        return None

    def threshold(self, level: int) -> int:
        return self.thresholds[level - 1]

    def name_in(self, language: str) -> str:
        return _in(self.name, language, self.key)

    def description_in(self, language: str) -> str:
        return _in(self.description, language, "")


def _in(texts: Mapping[str, str], language: str, fallback: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), fallback)


@dataclass(frozen=True)
class BadgeBook:
    """The deployment's badges."""

    rules: tuple[BadgeRule, ...] = ()

    def __post_init__(self) -> None:
        keys = [rule.key for rule in self.rules]
        if len(keys) != len(set(keys)):
            raise ValueError("two badges share a key")

    def counting(self, measure: Measure) -> tuple[BadgeRule, ...]:
        return tuple(rule for rule in self.rules if rule.measure is measure)

    def get(self, key: str) -> BadgeRule | None:
        return next((rule for rule in self.rules if rule.key == key), None)

    def order(self, key: str) -> int:
        """Where a badge comes in the configuration (unknown keys last)."""
        return next((n for n, rule in enumerate(self.rules) if rule.key == key), len(self.rules))


@dataclass(frozen=True, order=True)
class EarnedBadge:
    """A member's highest level of one badge."""

    badge: str
    level: int


def highest_levels(rows: Iterable[tuple[str, int]], book: BadgeBook) -> tuple[EarnedBadge, ...]:
    """Each badge's highest level among ``rows`` (badge, level), in the
    configuration's order; badges no longer configured are left out."""
    best: dict[str, int] = {}
    for badge, level in rows:
        if book.get(badge) is not None:
            best[badge] = max(level, best.get(badge, 0))
    return tuple(EarnedBadge(k, v) for k, v in sorted(best.items(), key=lambda kv: book.order(kv[0])))

