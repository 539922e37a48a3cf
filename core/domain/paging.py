"""Pages of a list people browse with ◀ ▶."""

from __future__ import annotations

__all__ = ["page_count"]


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` items fill, ``size`` a page; an empty list still has one."""
    return max(1, -(-total // size))
