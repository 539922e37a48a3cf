"""Every column that holds a member, found in the schema itself.

Linking two members, exporting a member's data and forgetting a member must
each know every table that refers to ``members``. They read the list here,
from the SQLAlchemy metadata, rather than from a list written by hand: a
table added later is found at once, and the tests fail until each of those
uses says what it does with it (core.services.linking, core.services.privacy).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Column, PrimaryKeyConstraint, Table, UniqueConstraint

from core.storage import tables

__all__ = ["MemberKey", "member_keys"]


@dataclass(frozen=True)
class MemberKey:
    """A column holding a member's id: ``decisions.moderator_id``."""

    table: Table
    column: Column[int]

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    def unique_groups(self) -> list[list[Column[int]]]:
        """For each unique key (or primary key) of the table that includes
        this column, its other columns: two members' rows equal on them
        cannot both belong to one member."""
        groups = []
        for constraint in self.table.constraints:
            if isinstance(constraint, (UniqueConstraint, PrimaryKeyConstraint)):
                columns = list(constraint.columns)
                if any(c is self.column for c in columns):
                    groups.append([c for c in columns if c is not self.column])
        return groups


@cache
def member_keys() -> tuple[MemberKey, ...]:
    """Every (table, column) with a foreign key to ``members.id``, in the
    schema's dependency order."""
    found = []
    for table in tables.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column is tables.members.c.id for fk in column.foreign_keys):
                found.append(MemberKey(table, column))
    return tuple(found)
