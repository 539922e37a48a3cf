"""``/top``, ``/browse`` and ``/show`` at 100,000 members / 1,000,000 supports,
and again with every count doubled.

    python -m benchmarks top [--quick]      # --quick: 10,000 / 100,000, then doubled

The data is benchmarks/digests.py's bulk ``populate()`` (areas, members with
Telegram identities, initiatives, supports, follows, the day's events) plus
one ``support_received`` point for an initiative's author per support, as
supporting earns them. Each command is typed through ``Chat.command`` by a
member of the data (home in a commune), once to warm up, then timed five
times; the median is kept. Reads that cost the same at any size keep their
time when the data doubles (target: at most 1.3x).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.table import Row, median

__all__ = ["COMMANDS", "add_points", "rows"]

#: What is timed: (label, command, arguments).
COMMANDS = (
    ("/top (this month, home area)", "top", ""),
    ("/top all for a department", "top", "all {department}"),
    ("/browse", "browse", ""),
    ("/show", "show", "{initiative}"),
)
REPEAT = 5


def add_points(path: Path) -> None:
    """A point for the author of an initiative per support it received."""
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO points (member_id, area_id, reason, points, created_at, ref) "
        "SELECT i.author_id, i.area_id, 'support_received', 1, s.created_at, "
        "'i' || s.initiative_id || '/m' || s.member_id "
        "FROM supports s JOIN initiatives i ON i.id = s.initiative_id WHERE s.member_id != i.author_id"
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def rescore(path: Path) -> None:
    """Build the kept counts and leaderboards from the rows written in bulk,
    as ``possibles admin rescore`` does after an import: the commands read
    those, never the supports or the points ledger."""
    from core.bootstrap import Runtime
    from core.config import Settings
    from core.services import leaderboards
    from core.storage.database import Database

    runtime = Runtime(Settings(), Database(f"sqlite:///{path}"))
    try:
        leaderboards.rescore(runtime.uow())
    finally:
        runtime.close()


def measure(path: Path) -> dict[str, float]:
    """Milliseconds per command (median of REPEAT) on the database at ``path``."""
    from benchmarks.digests import NOW
    from core.bootstrap import Runtime
    from core.clock import ManualClock
    from core.config import Settings
    from core.domain.members import Identity
    from core.presentation.cards import CardKind
    from core.presentation.context import Speaker
    from core.storage.database import Database

    db = sqlite3.connect(path)
    department = db.execute(
        "SELECT name FROM areas WHERE level = 'department' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    initiative = db.execute("SELECT max(id) FROM initiatives").fetchone()[0] // 2
    db.close()
    runtime = Runtime(Settings(), Database(f"sqlite:///{path}"), ManualClock(NOW))
    chat = runtime.chat()
    speaker = Speaker(Identity("telegram", "1000001"), "member 1", "en")
    out = {}
    try:
        for label, name, args in COMMANDS:
            args = args.format(department=department, initiative=initiative)
            reply = chat.command(speaker, name, args)
            if any(card.kind is CardKind.ERROR for card in reply.cards):
                raise RuntimeError(f"/{name} {args} was refused: {reply.cards}")
            # An empty board is no measure.
            if name == "top" and not reply.cards[0].lines[0].startswith("1. "):
                raise RuntimeError(f"/{name} {args} ranks nobody: {reply.cards}")
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                chat.command(speaker, name, args)
                times.append(time.perf_counter() - started)
            out[label] = median(times) * 1000
    finally:
        runtime.close()
    return out


def rows(quick: bool) -> list[Row]:
    from benchmarks.digests import Counts, populate

    base = Counts().scaled(0.1 if quick else 1.0)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for counts in (base, base.scaled(2)):
            path = Path(scratch) / f"reads-{counts.members}.db"
            populate(path, counts)
            add_points(path)
            rescore(path)
            results.append(measure(path))
            path.unlink()
    size = f"{base.members:,} members / {base.supports:,} supports"
    note = " (quick: a tenth)" if quick else ""
    out = []
    for label, _, _ in COMMANDS:
        first, second = results[0][label], results[1][label]
        ratio = second / first
        target = label != "/show"
        out.append(
            Row(
                f"{label}, {size}{note}",
                f"{first:.1f} ms",
                f"doubled: {second:.1f} ms",
                f"{ratio:.2f}x",
                "<= 50 ms, doubled <= 1.3x" if target else "",
                (first <= 50 and ratio <= 1.3) if target else None,
            )
        )
    return out
