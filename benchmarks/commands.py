"""Command handling through the real python-telegram-bot, against a bare echo
handler in the same harness.

    python -m benchmarks commands [--quick] [--postgresql URL]

10,000 members (each with a Telegram identity) and 1,000 initiatives are
generated (benchmarks/digests.py's bulk ``populate``; on PostgreSQL copied
from SQLite into a schema of its own). Updates as Telegram sends them go, one
after the other, through the Telegram front end's ``process`` (the path the
polling loop takes: the update's dedupe, ``Application.process_update``, the
handlers, the core, the answer sent) with the Bot API answered in process (no
socket: benchmarks/transport.py). The mix: 70 % /browse or /show, 20 % /join
or /follow, 8 % /comment, 2 % /propose. The ceiling is a bare handler that
echoes each message through the same Application and transport.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.table import Row, median, percentile

__all__ = ["copy_to_postgresql", "rows"]

MEMBERS, INITIATIVES, SUPPORTS = 10_000, 1_000, 50_000
FIRST_USER = 1_000_000  # populate()'s Telegram ids: 1,000,000 + member id
TOKEN = "123456:benchmark"


def mix(rng: random.Random, n: int) -> list[tuple[int, str]]:
    """``n`` (Telegram user id, text) pairs in the issue's proportions."""
    out = []
    for k in range(n):
        user = FIRST_USER + rng.randrange(1, MEMBERS + 1)
        initiative = rng.randrange(1, INITIATIVES + 1)
        roll = rng.random()
        if roll < 0.35:
            text = "/browse"
        elif roll < 0.70:
            text = f"/show {initiative}"
        elif roll < 0.80:
            text = f"/join {initiative}"
        elif roll < 0.90:
            text = f"/follow {initiative}"
        elif roll < 0.98:
            text = f"/comment {initiative} Count me in, this matters to our street ({k})."
        else:
            text = f"/propose Benches along the river path number {k}"
        out.append((user, text))
    return out


def copy_to_postgresql(sqlite_path: Path, url: str, schema: str) -> None:
    """Every table of the SQLite file into ``schema`` on PostgreSQL (created
    with the same tables), sequences moved past the copied ids, the tables analyzed."""
    from sqlalchemy import create_engine, func, select, text

    from core.storage.database import Database
    from core.storage.tables import metadata

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    target = Database(url, schema=schema)
    target.create_all()
    source = create_engine(f"sqlite:///{sqlite_path}")
    with source.connect() as src, target.engine.begin() as dst:
        for table in metadata.sorted_tables:
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            for start in range(0, len(rows), 20_000):
                dst.execute(table.insert(), rows[start : start + 20_000])
            if "id" in table.c and rows and table.c.id.autoincrement:
                top = dst.execute(select(func.max(table.c.id))).scalar()
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {top})"))
    # Planner statistics, as the SQLite file has (populate runs ANALYZE) and
    # as autovacuum gives a running server within a minute of a bulk load:
    # without them PostgreSQL plans /browse's joins for empty tables, and the
    # benchmark measured that (1.6 ms for a page instead of 0.3).
    with target.engine.begin() as conn:
        for table in metadata.sorted_tables:
            conn.execute(text(f'ANALYZE "{schema}"."{table.name}"'))
    source.dispose()
    target.dispose()


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _time(
    handle: Callable[[dict[str, Any]], Awaitable[None]], updates: list[dict[str, Any]], warm: int
) -> dict[str, float]:
    for update in updates[:warm]:
        await handle(update)
    timed = updates[warm:]
    latencies = []
    cpu, wall = time.process_time(), time.perf_counter()
    for update in timed:
        started = time.perf_counter()
        await handle(update)
        latencies.append(time.perf_counter() - started)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "rate": len(timed) / wall,
        "p50": median(latencies) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "cpu": cpu / len(timed) * 1000,
    }


async def _possibles(database: Any, updates: list[dict[str, Any]], warm: int) -> tuple[dict[str, float], int]:
    from pydantic import SecretStr
    from telegram import Update

    from benchmarks.transport import InProcessBotAPI
    from bots.telegram.app import TelegramFrontEnd
    from core.bootstrap import Runtime
    from core.config import Settings, TelegramSettings

    settings = Settings(telegram=TelegramSettings(token=SecretStr(TOKEN), bot_username="possibles_bot"))
    runtime = Runtime(settings, database)
    front = TelegramFrontEnd(runtime)
    app = front.application
    # The front end's own Application and Bot, with the Bot API answered in
    # process: python-telegram-bot has no public way to swap a built Bot's transport.
    transport = InProcessBotAPI()
    app.bot._request = (transport, transport)  # type: ignore[attr-defined]
    errors = _Errors()
    logging.getLogger("bots").addHandler(errors)
    await app.initialize()
    try:

        async def handle(data: dict[str, Any]) -> None:
            await front.process(Update.de_json(data, app.bot))

        result = await _time(handle, updates, warm)
        if transport.calls.get("sendMessage", 0) < len(updates):  # each update is answered
            raise RuntimeError(f"fewer answers than updates: {transport.calls}")
    finally:
        await app.shutdown()
        logging.getLogger("bots").removeHandler(errors)
    return result, errors.count


async def _echo(updates: list[dict[str, Any]], warm: int) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    from benchmarks.transport import InProcessBotAPI

    app = Application.builder().token(TOKEN).request(InProcessBotAPI()).updater(None).job_queue(None).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await context.bot.send_message(update.message.chat.id, update.message.text)

    app.add_handler(MessageHandler(filters.ALL, echo))
    await app.initialize()
    try:

        async def handle(data: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(data, app.bot))

        return await _time(handle, updates, warm)
    finally:
        await app.shutdown()


def _rows(
    label: str, ours: dict[str, float], echo: dict[str, float], errors: int, share: float, p99: float
) -> list[Row]:
    ratio = ours["rate"] / echo["rate"]
    return [
        Row(
            f"updates/s, {label}",
            f"{ours['rate']:.0f} /s ({errors} errors)",
            f"echo: {echo['rate']:.0f} /s",
            f"{ratio:.1%}",
            f">= {share:.0%} of echo",
            ratio >= share and errors == 0,
        ),
        Row(
            f"p50 / p99 per update, {label}",
            f"{ours['p50']:.1f} / {ours['p99']:.1f} ms",
            f"echo: {echo['p50']:.2f} / {echo['p99']:.2f} ms",
            f"{ours['p99'] / echo['p99']:.0f}x",
            f"p99 <= {p99:.0f} ms",
            ours["p99"] <= p99,
        ),
        Row(
            f"CPU per update, {label}",
            f"{ours['cpu']:.1f} ms",
            f"echo: {echo['cpu']:.2f} ms",
            f"{ours['cpu'] / echo['cpu']:.0f}x",
        ),
    ]


def rows(quick: bool, postgresql: str | None) -> list[Row]:
    from benchmarks.digests import Counts, populate
    from benchmarks.transport import command_update
    from core.storage.database import Database

    logging.getLogger("httpx").setLevel(logging.WARNING)
    n, warm = (400, 50) if quick else (2_000, 100)

    def updates_for(seed: int) -> list[dict[str, Any]]:
        return [command_update(user, text) for user, text in mix(random.Random(seed), n + warm)]

    out: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "commands.db"
        populate(path, Counts(MEMBERS, INITIATIVES, SUPPORTS, 2_000))
        echo = asyncio.run(_echo(updates_for(1), warm))
        database = Database(f"sqlite:///{path}")
        ours, errors = asyncio.run(_possibles(database, updates_for(1), warm))
        database.dispose()
        out += _rows("SQLite", ours, echo, errors, 0.10, 15)
        if not postgresql:
            out.append(
                Row("updates/s, PostgreSQL", "skipped: no POSSIBLES_TEST_DATABASE_URL nor --postgresql")
            )
            return out
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        try:
            copy_to_postgresql(path, postgresql, schema)
            database = Database(postgresql, schema=schema)
            ours, errors = asyncio.run(_possibles(database, updates_for(2), warm))
            database.dispose()
        finally:
            drop_schema(postgresql, schema)
        out += _rows("PostgreSQL", ours, echo, errors, 0.05, 30)
    return out
