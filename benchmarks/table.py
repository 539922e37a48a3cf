"""One row of the suite's table, and the table printed."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Row", "median", "percentile", "print_table"]


@dataclass(frozen=True)
class Row:
    """A figure, its value, what it is compared with (measured in the same run),
    the ratio, and the issue's target with whether it is met (None: no target,
    or not measured)."""

    figure: str
    value: str
    ceiling: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def print_table(rows: Sequence[Row]) -> None:
    head = ("figure", "value", "ceiling / comparison", "ratio", "target", "")
    cells = [
        (r.figure, r.value, r.ceiling, r.ratio, r.target, {True: "met", False: "MISSED", None: ""}[r.met])
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]
    line = "| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |"
    print(line.format(*head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(line.format(*c), flush=True)
