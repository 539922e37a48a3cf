"""Benchmark: building every daily digest of a large deployment (not sending).

    python benchmarks/digests.py               # 100,000 members, then every count doubled
    python benchmarks/digests.py --scale 0.1   # a quick run: 10,000 members, then 20,000

It builds a SQLite database with 100,000 members (each with a Telegram
identity), 10,000 initiatives, 1,000,000 supports (each following its
initiative, as joining does) and 50,000 events in the day before 18:00 in
Paris (supports, news posts, official responses, status changes, new
initiatives and counter-proposals), with bulk inserts; then times
``core.services.digests.build_due`` building every digest due (one per
member with something to say, and its delivery), in a fresh process so its
peak memory is its own. Then the same with every count doubled, and prints
both times and the ratio. Targets: under 60 s and 1 GiB, and doubling at
most doubles the time.

``populate()`` is usable on its own, to fill a database for other runs (the
sending benchmark: N members each with a Telegram identity and a digest due).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The moment the digests are built: 18:00 in Paris on 25 November 2026.
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
DAY_START = NOW - timedelta(days=1)
TOPICS = ["environment", "mobility", "housing", "education", "health", "culture", "democracy"]
ZONES = ["Europe/Paris"] * 17 + ["Europe/London", "America/New_York", "Asia/Tokyo"]


@dataclass(frozen=True)
class Counts:
    members: int = 100_000
    initiatives: int = 10_000
    supports: int = 1_000_000
    events: int = 50_000

    def scaled(self, factor: float) -> Counts:
        return Counts(*(max(1, int(v * factor)) for v in asdict(self).values()))


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _before_the_day(rng: random.Random, days: int = 60) -> str:
    return _stamp(DAY_START - timedelta(seconds=rng.randrange(1, days * 86400)))


def _in_the_day(rng: random.Random) -> str:
    return _stamp(DAY_START + timedelta(seconds=rng.randrange(0, 86400)))


def populate(path: Path, counts: Counts, *, platform: str = "telegram", seed: int = 1) -> None:
    """A database at ``path`` (created with the schema) holding ``counts``."""
    from core.storage.database import Database

    database = Database(f"sqlite:///{path}")
    database.create_all()
    database.dispose()
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA journal_mode=WAL")
    old = _before_the_day(rng, 90)

    # Areas: a nation, 10 regions, 100 departments and a commune per 100
    # members (a larger country has more communes, not busier ones).
    areas = [(1, "FR", "France", "nation", "france", "/1/", None)]
    next_id = 2
    communes: list[int] = []
    per_department = max(1, counts.members // 10_000)
    for r in range(10):
        region = next_id
        next_id += 1
        areas.append((region, f"R{r}", f"Region {r}", "region", f"region {r}", f"/1/{region}/", 1))
        for d in range(10):
            dep = next_id
            next_id += 1
            areas.append(
                (dep, f"D{r}{d}", f"Dep {r}{d}", "department", f"dep {r}{d}", f"/1/{region}/{dep}/", region)
            )
            for c in range(per_department):
                com = next_id
                next_id += 1
                path_ = f"/1/{region}/{dep}/{com}/"
                areas.append(
                    (com, f"C{r}{d}{c}", f"Commune {r}{d}{c}", "commune", f"commune {r}{d}{c}", path_, dep)
                )
                communes.append(com)
    db.executemany(
        "INSERT INTO areas (id, code, name, level, search_key, path, parent_id) VALUES (?,?,?,?,?,?,?)", areas
    )

    m = counts.members
    frequencies = ["daily"] * 16 + ["weekly"] * 3 + ["off"]
    db.executemany(
        "INSERT INTO members (id, display_name, language, time_zone, home_area_id, created_at, "
        "suspended_permanently, leaderboard_opt_out, digest_frequency, digest_time, quiet_start, quiet_end) "
        "VALUES (?,?,?,?,?,?,0,0,?,?,'22:00','08:00')",
        (
            (
                i,
                f"member {i}",
                "fr" if i % 4 else "en",
                rng.choice(ZONES),
                rng.choice(communes),
                old,
                rng.choice(frequencies),
                "18:00" if i % 10 else "08:00",
            )
            for i in range(1, m + 1)
        ),
    )
    # The language code the benchmark's updates carry ("en"): members who
    # wrote before, not a first message each (which stores the code).
    db.executemany(
        "INSERT INTO identities (member_id, platform, external_id, created_at, unreachable, "
        "language_code, brought_history) VALUES (?,?,?,?,0,'en',0)",
        ((i, platform, str(1_000_000 + i), old) for i in range(1, m + 1)),
    )

    # The day's events: 80 % supports, 12 % posts, 2 % responses, 4 % status
    # changes, 2 % new initiatives (a fifth of them counter-proposals).
    e = counts.events
    day_supports, day_posts, day_responses = int(e * 0.80), int(e * 0.12), int(e * 0.02)
    day_status, day_new = int(e * 0.04), max(1, int(e * 0.02))
    n = counts.initiatives
    day_new = min(day_new, max(1, n // 2))
    old_initiatives = n - day_new
    rows = []
    for i in range(1, n + 1):
        new = i > old_initiatives
        created = _in_the_day(rng) if new else _before_the_day(rng)
        counter = rng.randrange(1, old_initiatives + 1) if new and i % 5 == 0 else None
        rows.append(
            (
                i,
                rng.randrange(1, m + 1),
                f"Initiative {i}",
                "A description.",
                rng.choice(communes),
                rng.choice(TOPICS),
                50,
                created,
                _stamp(NOW + timedelta(days=150)),
                "open",
                created,
                counter,
                "visible",
                0,
                f"initiative {i}",
            )
        )
    db.executemany(
        "INSERT INTO initiatives (id, author_id, title, description, area_id, topic, goal, created_at, "
        "expires_at, status, status_changed_at, counter_to_id, visibility, flagged, search_key) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    changed = rng.sample(range(1, old_initiatives + 1), min(day_status, old_initiatives))
    db.executemany(
        "UPDATE initiatives SET status = ?, status_changed_at = ? WHERE id = ?",
        ((rng.choice(["goal_reached", "in_action", "achieved"]), _in_the_day(rng), i) for i in changed),
    )

    # Supports: unique (initiative, member) pairs; the authors' own first.
    seen: set[int] = set()
    support_rows = []
    for i, row in enumerate(rows, start=1):
        seen.add(row[1] * (n + 1) + i)
        support_rows.append((i, row[1], "volunteer", row[7]))
    while len(support_rows) < counts.supports:
        member, initiative = rng.randrange(1, m + 1), rng.randrange(1, n + 1)
        pair = member * (n + 1) + initiative
        if pair in seen:
            continue
        seen.add(pair)
        in_day = len(support_rows) >= counts.supports - day_supports
        created = _in_the_day(rng) if in_day else _before_the_day(rng)
        support_rows.append((initiative, member, "supporter", created))
    del seen
    db.executemany(
        "INSERT INTO supports (initiative_id, member_id, kind, created_at) VALUES (?,?,?,?)", support_rows
    )
    # Joining follows the initiative; a few members follow areas and topics too.
    db.executemany(
        "INSERT INTO follows (member_id, target_type, target_key, created_at) VALUES (?,'initiative',?,?)",
        ((member, str(initiative), created) for initiative, member, _, created in support_rows),
    )
    del support_rows
    db.executemany(
        "INSERT INTO follows (member_id, target_type, target_key, created_at) VALUES (?,?,?,?)",
        (
            (i, "area", str(rng.choice(communes)), old) if i % 2 else (i, "topic", rng.choice(TOPICS), old)
            for i in range(1, m + 1, 20)
        ),
    )
    db.executemany(
        "INSERT INTO posts (initiative_id, author_id, body, created_at, visibility, flagged) "
        "VALUES (?,?,?,?,'visible',0)",
        (
            (rng.randrange(1, n + 1), rng.randrange(1, m + 1), "News.", _in_the_day(rng))
            for _ in range(day_posts)
        ),
    )
    officials = max(1, min(200, m // 500))
    db.executemany(
        "INSERT INTO mandates (id, member_id, area_id, title, verified_at) VALUES (?,?,?,?,?)",
        ((k, k, rng.choice(communes), "Maire", old) for k in range(1, officials + 1)),
    )
    answered = rng.sample(range(1, n + 1), min(day_responses, n))
    db.executemany(
        "INSERT INTO responses (initiative_id, mandate_id, official_id, position, body, created_at, "
        "updated_at, visibility, flagged) VALUES (?,?,?,'supports','Yes.',?,?,'visible',0)",
        (
            (initiative, (k % officials) + 1, (k % officials) + 1, stamp, stamp)
            for k, initiative in enumerate(answered)
            for stamp in [_in_the_day(rng)]
        ),
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _peak_rss() -> int:
    """This process's peak resident memory, in bytes. Linux's VmHWM, which
    starts afresh at exec (ru_maxrss would carry the parent's peak over)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def build(path: Path) -> dict[str, float]:
    """Build every due digest in ``path``; time, digests and the process's
    peak memory (resident set: everything, Python and SQLite alike)."""
    from core.bootstrap import Runtime
    from core.clock import ManualClock
    from core.config import Settings
    from core.services import digests
    from core.storage.database import Database

    runtime = Runtime(Settings(), Database(f"sqlite:///{path}"), ManualClock(NOW))
    started = time.perf_counter()
    run = digests.build_due(runtime.uow(), runtime.settings)
    seconds = time.perf_counter() - started
    runtime.close()
    rss = _peak_rss()
    return {
        "seconds": seconds,
        "digests": run.digests,
        "deliveries": run.deliveries,
        "rss_mib": rss / 2**20,
    }


def measure(counts: Counts, workdir: Path) -> dict[str, float]:
    path = workdir / f"digests-{counts.members}.db"
    started = time.perf_counter()
    populate(path, counts)
    filled = time.perf_counter() - started
    out = subprocess.run(
        [sys.executable, __file__, "--build-only", str(path)], capture_output=True, text=True, check=True
    )

    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["populate_seconds"] = filled
    return result


def _line(counts: Counts, r: dict[str, float]) -> str:
    return (
        f"{counts.members:>9,} members {counts.initiatives:>7,} initiatives {counts.supports:>10,} supports "
        f"{counts.events:>8,} events: {int(r['digests']):>9,} digests built in {r['seconds']:6.1f} s, "
        f"peak memory {r['rss_mib']:5.0f} MiB (RSS of the building process) "
        f"[database filled in {r['populate_seconds']:.0f} s]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 members (0.1 for a quick run)")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    parser.add_argument("--build-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only is not None:
        print(json.dumps(build(args.build_only)))
        return
    base = Counts().scaled(args.scale)
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        first = measure(base, Path(scratch))
        print(_line(base, first), flush=True)
        (Path(scratch) / f"digests-{base.members}.db").unlink()
        doubled = base.scaled(2)
        second = measure(doubled, Path(scratch))
        print(_line(doubled, second), flush=True)
    ratio = second["seconds"] / first["seconds"]
    print(f"doubling every count: {ratio:.2f}x the time (target: at most 2x)")
    ok = first["seconds"] < 60 and first["rss_mib"] < 1024 and ratio <= 2.0
    print("targets (< 60 s, < 1 GiB, at most 2x):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
