"""Importing an area tree from CSV: code, name, parent code, level.

Rows may come in any order; parents are resolved before children. Importing
the same file again updates names and parents and adds nothing twice.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from core.config import CONFIG_DIR
from core.domain.areas import Area, AreaLevel
from core.domain.text import clean_text, fold
from core.errors import InvalidInput
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["DEFAULT_AREAS", "AreaRow", "import_areas", "load_default_areas", "read_csv"]

DEFAULT_AREAS = CONFIG_DIR / "areas" / "france.csv"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    parent_code: str | None
    level: str
    line: int = 0


def read_csv(path: Path) -> Iterator[AreaRow]:
    """Rows of a CSV file with a header: code,name,parent_code,level
    (comma or semicolon separated, UTF-8 with or without BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        wanted = {"code", "name", "parent_code", "level"}
        if not reader.fieldnames or not wanted <= {f.strip() for f in reader.fieldnames}:
            raise InvalidInput("error.area_csv_header", columns="code,name,parent_code,level")
        for number, raw in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            yield AreaRow(row["code"], row["name"], row["parent_code"] or None, row["level"].lower(), number)


def _validate(row: AreaRow) -> AreaRow:
    levels = {level.value for level in AreaLevel}
    if not row.code or len(row.code) > 20:
        raise InvalidInput("error.area_csv_row", line=row.line, problem="code")
    if row.level not in levels:
        raise InvalidInput("error.area_csv_row", line=row.line, problem=f"level {row.level!r}")
    name = clean_text(row.name, field="name", max_length=200)
    return AreaRow(
        row.code.upper(), name, row.parent_code.upper() if row.parent_code else None, row.level, row.line
    )


def import_areas(
    uow: UnitOfWork,
    rows: Iterable[AreaRow],
    *,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> int:
    """Insert or update every row; returns how many rows were imported.

    Validation happens first for the whole file, so a bad row changes nothing.
    """
    pending = [_validate(r) for r in rows]
    codes = {r.code for r in pending}
    with uow:
        known = {a.code: a for a in uow.session.scalars(select(Area))}
        missing_parents = {
            r.parent_code
            for r in pending
            if r.parent_code and r.parent_code not in codes and r.parent_code not in known
        }
        if missing_parents:
            bad = next(r for r in pending if r.parent_code in missing_parents)
            raise InvalidInput("error.area_csv_row", line=bad.line, problem=f"parent {bad.parent_code!r}")
        done = 0
        placed: set[str] = set()
        remaining = pending
        while remaining:
            later = []
            for row in remaining:
                parent = known.get(row.parent_code) if row.parent_code else None
                if row.parent_code and (
                    parent is None
                    or (
                        row.parent_code in codes
                        and row.parent_code not in placed
                        and row.parent_code not in known
                    )
                ):
                    later.append(row)
                    continue
                area = known.get(row.code)
                if area is None:
                    area = Area(code=row.code, name=row.name, level=row.level, search_key=fold(row.name))
                    uow.session.add(area)
                    known[row.code] = area
                area.name, area.level, area.search_key = row.name, row.level, fold(row.name)
                area.parent_id = parent.id if parent else None
                uow.session.flush()
                area.path = f"{parent.path if parent else '/'}{area.id}/"
                placed.add(row.code)
                done += 1
                if done % batch_size == 0:
                    uow.session.flush()
                if progress:
                    progress(1)
            if len(later) == len(remaining):
                raise InvalidInput("error.area_csv_row", line=later[0].line, problem="cycle")
            remaining = later
        uow.commit()
        return done


def load_default_areas(uow: UnitOfWork) -> int:
    """Load the shipped areas when the table is empty; 0 when it is not."""
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(tables.areas)) or 0
    if count or not DEFAULT_AREAS.is_file():
        return 0
    return import_areas(uow, read_csv(DEFAULT_AREAS))
