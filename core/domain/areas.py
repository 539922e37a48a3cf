"""Areas: a tree nation > region > department > commune."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Area", "AreaLevel", "goal_for_level", "path_ids"]


class AreaLevel(StrEnum):
    NATION = "nation"
    REGION = "region"
    DEPARTMENT = "department"
    COMMUNE = "commune"

    @property
    def rank(self) -> int:
        return list(AreaLevel).index(self)


def path_ids(path: str) -> list[int]:
    """The ids of a materialised path, from the root down: "/1/5/42/" is
    [1, 5, 42]. The one place that reads a path."""
    return [int(part) for part in path.split("/") if part]


@dataclass(eq=False)
class Area:
    """One node of the tree. ``path`` is the materialised ancestry,
    "/1/5/42/", so that "is inside" is a prefix test and sub-areas are one
    indexed LIKE query."""

    code: str
    name: str
    level: str
    search_key: str
    path: str = "/"
    parent_id: int | None = None
    id: int | None = None

    def contains(self, other: Area) -> bool:
        """True when ``other`` is this area or lies inside it."""
        return other.path.startswith(self.path)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this area, itself included."""
        return path_ids(self.path)


def goal_for_level(level: str, goals: dict[str, int]) -> int:
    """The support goal of an initiative in an area of this level."""
    return goals.get(level, goals[AreaLevel.COMMUNE.value])
