"""Importing an area tree from CSV: code, name, parent code, level.

Rows may come in any order; parents are resolved before children, and a
parent may be a row of the file or an area already in the database (so a
communes file can hang under the shipped departments). Importing the same
file again updates names, levels and parents and adds nothing twice.

The whole file is checked before anything is written: a bad row raises
InvalidInput("error.area_csv_row", line=..., problem=...) and nothing changes.
Writing is done in batches (France has about 35,000 communes): no flush or
query per row. Materialised paths ("/1/5/42/") are filled in by a handful of
set-based UPDATEs, one per depth of the tree.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable

from sqlalchemy import String, bindparam, cast, func, insert, select, update
from sqlalchemy.orm import Session

from core.config import CONFIG_DIR
from core.domain.areas import AreaLevel
from core.domain.text import clean_text, fold
from core.errors import InvalidInput
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "COLUMNS",
    "DEFAULT_AREAS",
    "AreaRow",
    "Progress",
    "import_areas",
    "load_default_areas",
    "read_csv",
    "with_defaults",
]

DEFAULT_AREAS = CONFIG_DIR.joinpath("areas", "france.csv")
COLUMNS = ("code", "name", "parent_code", "level")
#: Called with the number of rows just imported, as the import goes.
Progress = Callable[[int], None]

MAX_CODE = 20
MAX_NAME = 200
_CODE = re.compile(r"[0-9A-Z][0-9A-Z._-]*")
_LEVELS = {level.value: level for level in AreaLevel}
#: The path of an area not placed yet; filled in once its parent has one.
_UNPLACED = ""


@dataclass(frozen=True)
class AreaRow:
    """One line of an areas file. ``line`` is its line number in the file
    (0 for rows built in code: their position is used in messages)."""

    code: str
    name: str
    parent_code: str | None
    level: str
    line: int = 0


def _bad(line: int, problem: str) -> InvalidInput:
    return InvalidInput("error.area_csv_row", line=line, problem=problem)


def read_csv(path: Traversable) -> Iterator[AreaRow]:
    """Rows of a CSV file whose header names the columns code, name,
    parent_code, level (in any order; comma, semicolon or tab separated;
    UTF-8 with or without BOM). Blank lines are skipped.

    Raises InvalidInput("error.area_csv_header") when a column is missing, and
    "error.area_csv_row" for text that is not UTF-8.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad(data[: exc.start].count(b"\n") + 1, "not UTF-8 text") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if not set(COLUMNS) <= set(header):
        raise InvalidInput("error.area_csv_header", columns=",".join(COLUMNS))
    where = {name: header.index(name) for name in COLUMNS}
    for values in reader:
        if not any(v.strip() for v in values):
            continue

        def value(name: str, values: list[str] = values) -> str:
            index = where[name]
            return values[index].strip() if index < len(values) else ""

        yield AreaRow(
            code=value("code"),
            name=value("name"),
            parent_code=value("parent_code") or None,
            level=value("level"),
            line=reader.line_num,
        )


def _normalise(rows: Iterable[AreaRow]) -> list[AreaRow]:
    """Check each row on its own and give it its canonical form (codes upper
    case, name cleaned, level lower case); refuse a code seen twice."""
    seen: dict[str, int] = {}
    result = []
    for position, row in enumerate(rows, start=1):
        line = row.line or position
        code = row.code.strip().upper()
        if not code:
            raise _bad(line, "empty code")
        if len(code) > MAX_CODE or not _CODE.fullmatch(code):
            raise _bad(line, f"bad code {code!r} (letters, digits, . _ -; at most {MAX_CODE})")
        level = row.level.strip().lower()
        if level not in _LEVELS:
            raise _bad(line, f"unknown level {row.level!r} (expected {', '.join(_LEVELS)})")
        try:
            name = clean_text(row.name, field="name", max_length=MAX_NAME)
        except InvalidInput as exc:
            problem = "empty name" if exc.key == "error.text_empty" else f"name over {MAX_NAME} characters"
            raise _bad(line, problem) from exc
        parent = (row.parent_code or "").strip().upper() or None
        if code in seen:
            raise _bad(line, f"code {code} already on line {seen[code]}")
        seen[code] = line
        result.append(AreaRow(code, name, parent, level, line))
    return result


@dataclass(frozen=True)
class _Stored:
    id: int
    name: str
    level: str
    parent_id: int | None
    path: str


@dataclass
class _Plan:
    """What an import will write, worked out before writing anything."""

    #: New rows by depth in the tree: parents are in an earlier list than their children.
    new: list[list[AreaRow]] = field(default_factory=list)
    #: Existing areas whose name, level or parent changes.
    changed: list[AreaRow] = field(default_factory=list)
    #: Old paths of the areas that move: their whole subtree gets new paths.
    moved_paths: list[str] = field(default_factory=list)
    unchanged: int = 0


def _plan(rows: list[AreaRow], stored: dict[str, _Stored]) -> _Plan:
    """Check the file against the tree already stored (parents exist, no
    cycle, each level below its parent's) and decide what to write."""
    code_of = {s.id: code for code, s in stored.items()}
    parent_of: dict[str, str | None] = {
        code: code_of.get(s.parent_id) if s.parent_id is not None else None for code, s in stored.items()
    }
    level_of = {code: s.level for code, s in stored.items()}
    line_of: dict[str, int] = {}
    for row in rows:
        parent_of[row.code] = row.parent_code
        level_of[row.code] = row.level
        line_of[row.code] = row.line
    for row in rows:
        if row.parent_code is not None and row.parent_code not in parent_of:
            raise _bad(row.line, f"parent {row.parent_code} not found")

    depth: dict[str, int] = {}
    for row in rows:
        chain: dict[str, int] = {}  # code -> position, in walking order
        code: str | None = row.code
        while code is not None and code not in depth:
            if code in chain:
                loop = list(chain)[chain[code] :]
                first = min((c for c in loop if c in line_of), key=line_of.__getitem__)
                raise _bad(line_of[first], "cycle: " + " > ".join([*loop, code]))
            chain[code] = len(chain)
            code = parent_of[code]
        base = -1 if code is None else depth[code]
        for placed in reversed(chain):
            base += 1
            depth[placed] = base

    def rank(code: str) -> int:
        return _LEVELS[level_of[code]].rank

    for row in rows:
        if row.parent_code is not None and rank(row.parent_code) >= rank(row.code):
            raise _bad(
                row.line,
                f"a {row.level} cannot be inside {row.parent_code} ({level_of[row.parent_code]})",
            )
    for code, area in stored.items():
        parent = code_of.get(area.parent_id) if area.parent_id is not None else None
        if code not in line_of and parent in line_of and rank(parent) >= rank(code):
            raise _bad(
                line_of[parent],
                f"{parent} would be a {level_of[parent]} containing {code} ({area.level})",
            )

    plan = _Plan()
    new_by_depth: dict[int, list[AreaRow]] = {}
    for row in rows:
        old = stored.get(row.code)
        if old is None:
            new_by_depth.setdefault(depth[row.code], []).append(row)
            continue
        old_parent = code_of.get(old.parent_id) if old.parent_id is not None else None
        if old_parent != row.parent_code:
            plan.moved_paths.append(old.path)
        if (old.name, old.level, old_parent) != (row.name, row.level, row.parent_code):
            plan.changed.append(row)
        else:
            plan.unchanged += 1
    plan.new = [new_by_depth[d] for d in sorted(new_by_depth)]
    return plan


def _chunks(items: list[AreaRow], size: int) -> Iterator[list[AreaRow]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _search_key(name: str) -> str:
    return fold(name)[:MAX_NAME]


def _write(session: Session, plan: _Plan, ids: dict[str, int], progress: Progress, batch_size: int) -> None:
    a = tables.areas.c
    if plan.unchanged:
        progress(plan.unchanged)
    # One depth after the other, so a batch only refers to parents whose ids are known.
    batches = [batch for rows in plan.new for batch in _chunks(rows, batch_size)]
    for batch in batches:
        session.execute(
            insert(tables.areas),
            [
                {
                    "code": row.code,
                    "name": row.name,
                    "level": row.level,
                    "search_key": _search_key(row.name),
                    "path": _UNPLACED,
                    "parent_id": ids[row.parent_code] if row.parent_code else None,
                }
                for row in batch
            ],
        )
        codes = [row.code for row in batch]
        ids.update(
            {code: id_ for code, id_ in session.execute(select(a.code, a.id).where(a.code.in_(codes)))}
        )
        progress(len(batch))
    changes = (
        update(tables.areas)
        .where(a.id == bindparam("area_id"))
        .values(
            name=bindparam("new_name"),
            level=bindparam("new_level"),
            search_key=bindparam("new_key"),
            parent_id=bindparam("new_parent"),
        )
    )
    for batch in _chunks(plan.changed, batch_size):
        session.execute(
            changes,
            [
                {
                    "area_id": ids[row.code],
                    "new_name": row.name,
                    "new_level": row.level,
                    "new_key": _search_key(row.name),
                    "new_parent": ids[row.parent_code] if row.parent_code else None,
                }
                for row in batch
            ],
        )
        progress(len(batch))
    if plan.moved_paths:
        session.execute(
            update(tables.areas).where(a.path.startswith(bindparam("old_path"))).values(path=_UNPLACED),
            [{"old_path": path} for path in plan.moved_paths],
        )
    _place(session)


def _place(session: Session) -> None:
    """Give every unplaced area its path, one depth of the tree per UPDATE:
    roots first, then the children of areas already placed."""
    a = tables.areas.c
    own = cast(a.id, String) + "/"
    session.execute(
        update(tables.areas).where(a.path == _UNPLACED, a.parent_id.is_(None)).values(path="/" + own)
    )
    parent = tables.areas.alias("parent")
    parent_path = select(parent.c.path).where(parent.c.id == a.parent_id).scalar_subquery()
    placed_parents = select(parent.c.id).where(parent.c.path != _UNPLACED)
    while True:
        result = session.execute(
            update(tables.areas)
            .where(a.path == _UNPLACED, a.parent_id.in_(placed_parents))
            .values(path=parent_path + own)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            break
    left = session.scalar(select(func.count()).select_from(tables.areas).where(a.path == _UNPLACED))
    if left:  # the checks before writing make this impossible
        raise RuntimeError(f"{left} areas could not be placed in the tree")


def import_areas(
    uow: UnitOfWork,
    rows: Iterable[AreaRow],
    *,
    progress: Progress | None = None,
    batch_size: int = 1000,
) -> int:
    """Insert or update every row in one transaction; returns the number of
    rows imported (new, changed or already up to date).

    The whole file is checked first, against itself and the tree already
    stored, so a bad row raises InvalidInput with its line number and changes
    nothing. When an area gets a new parent, the paths of its whole subtree
    are recomputed. ``progress`` is called with the number of rows done, batch
    after batch.
    """
    wanted = _normalise(rows)
    report: Progress = progress or (lambda _done: None)
    a = tables.areas.c
    with uow:
        session = uow.session
        stored = {
            code: _Stored(id_, name, level, parent_id, path)
            for id_, code, name, level, parent_id, path in session.execute(
                select(a.id, a.code, a.name, a.level, a.parent_id, a.path)
            )
        }
        plan = _plan(wanted, stored)
        ids: dict[str, int] = {code: s.id for code, s in stored.items()}
        _write(session, plan, ids, report, max(1, batch_size))
        uow.commit()
    return len(wanted)


def _tree_is_empty(uow: UnitOfWork) -> bool:
    with uow:
        return not uow.session.scalar(select(func.count()).select_from(tables.areas))


def load_default_areas(uow: UnitOfWork) -> int:
    """Load the shipped areas when the table is empty; 0 when it is not."""
    if not _tree_is_empty(uow) or not DEFAULT_AREAS.is_file():
        return 0
    return import_areas(uow, read_csv(DEFAULT_AREAS))


def with_defaults(uow: UnitOfWork, rows: Iterable[AreaRow]) -> list[AreaRow]:
    """``rows``, preceded, when no area is stored yet, by the shipped areas
    they do not redefine: a communes file then finds its departments, and
    both go in with one ``import_areas`` (one transaction, so a bad file
    leaves the database as empty as it was)."""
    wanted = list(rows)
    if not _tree_is_empty(uow) or not DEFAULT_AREAS.is_file():
        return wanted
    redefined = {row.code.strip().upper() for row in wanted}
    return [row for row in read_csv(DEFAULT_AREAS) if row.code.upper() not in redefined] + wanted
