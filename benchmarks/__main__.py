"""possibles' benchmark suite: every figure of issue 9 measured in one run,
each with what it is compared with, measured in the same run.

    python -m benchmarks all [--quick] [--postgresql URL]
    python -m benchmarks commands|top|statements|sending|digests|startup|memory|load [--quick]

Each benchmark generates its own data (in a temporary directory; on
PostgreSQL in a schema of its own, dropped after) and prints its rows of the
table: figure, value, ceiling or comparison, ratio, target, met or missed.
PostgreSQL comes from --postgresql or POSSIBLES_TEST_DATABASE_URL; without
either its rows say it was skipped. --quick scales the large data sets down
(the rows say so) and finishes in under 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from benchmarks.table import Row, print_table

SENDING_LIMIT = 30.0


def _sending(quick: bool) -> list[Row]:
    import asyncio

    from benchmarks.sending import FIRST_USER, ours, prepare, ptb_rate_limiter
    from tests.fakes.telegram import FakeTelegramThread

    chats = 300 if quick else 1_500
    with tempfile.TemporaryDirectory() as scratch:
        runtime = prepare(f"sqlite:///{Path(scratch) / 'sending.db'}", chats)
        with FakeTelegramThread() as tg:
            for n in range(2 * chats):
                tg.add_user(FIRST_USER + n)
            sent, seconds, limited = asyncio.run(ours(runtime, tg))
            text = tg.messages(FIRST_USER)[0].text or "digest"
            ptb_sent, ptb_seconds, ptb_limited = asyncio.run(ptb_rate_limiter(tg, chats, text))
        runtime.close()
    rate, ptb_rate = sent / seconds, ptb_sent / ptb_seconds
    return [
        Row(
            f"sending {chats} digests to {chats} chats (fake Bot API, flood limits)",
            f"{rate:.1f} msg/s = {rate / SENDING_LIMIT:.0%} of 30/s, {limited} 429s, {sent} sent",
            f"PTB AIORateLimiter: {ptb_rate:.1f} msg/s, {ptb_limited} 429s",
            f"{rate / ptb_rate:.2f}",
            ">= 95 % of 30/s, zero 429",
            rate >= 0.95 * SENDING_LIMIT and limited == 0 and sent == chats,
        )
    ]


def _digests(quick: bool) -> list[Row]:
    from benchmarks.digests import Counts, measure

    base = Counts().scaled(0.1 if quick else 1.0)
    with tempfile.TemporaryDirectory() as scratch:
        first = measure(base, Path(scratch))
        (Path(scratch) / f"digests-{base.members}.db").unlink()
        second = measure(base.scaled(2), Path(scratch))
    ratio = second["seconds"] / first["seconds"]
    note = " (quick: a tenth)" if quick else ""
    return [
        Row(
            f"building daily digests, {base.members:,} members{note}",
            f"{first['seconds']:.1f} s, {int(first['digests']):,} digests, {first['rss_mib']:.0f} MiB",
            f"doubled: {second['seconds']:.1f} s",
            f"{ratio:.2f}x",
            "< 30 s, doubled <= 2.0x",
            first["seconds"] < 30 and ratio <= 2.0,
        )
    ]


def _benchmarks(args: argparse.Namespace) -> dict[str, Callable[[], list[Row]]]:
    from benchmarks import commands, load, reads, startup, statements

    return {
        "commands": lambda: commands.rows(args.quick, args.postgresql),
        "top": lambda: reads.rows(args.quick),
        "statements": statements.rows,
        "sending": lambda: _sending(args.quick),
        "digests": lambda: _digests(args.quick),
        "startup": startup.startup_rows,
        "memory": startup.memory_rows,
        "load": lambda: load.rows(args.quick, args.postgresql),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = ["all", "commands", "top", "statements", "sending", "digests", "startup", "memory", "load"]
    parser.add_argument("benchmark", choices=names)
    parser.add_argument("--quick", action="store_true", help="smaller data sets; under 10 minutes on 2 cores")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        default=os.environ.get("POSSIBLES_TEST_DATABASE_URL"),
        help="a PostgreSQL server for the command and load benchmarks (default: POSSIBLES_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    benchmarks = _benchmarks(args)
    chosen = list(benchmarks) if args.benchmark == "all" else [args.benchmark]
    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        print(f"[{time.perf_counter() - started:6.0f} s] {name}…", flush=True)
        rows += benchmarks[name]()
    print(
        f"[{time.perf_counter() - started:6.0f} s] done ({os.cpu_count()} cores"
        f"{', --quick' if args.quick else ''})\n",
        flush=True,
    )
    print_table(rows)


if __name__ == "__main__":
    main()
