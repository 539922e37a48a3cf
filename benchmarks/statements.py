"""SQL statements and transactions per catalog command.

    python -m benchmarks statements

Every command of the catalog is typed once by a member who already exists
(so the first-contact writes are not counted), on a small database with an
initiative, a comment and a moderator; each statement the driver executes is
counted with SQLAlchemy's ``before_cursor_execute`` event (the transaction
statements BEGIN, COMMIT, ROLLBACK aside) and each transaction with the
engine's ``begin`` event; on SQLite the BEGIN statements themselves are
counted too, and which of them took the write lock (BEGIN IMMEDIATE): a
read-only command takes none. The counts do not depend on the data's size: the
same scenario is what tests/unit/test_statement_counts.py bounds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from benchmarks.table import Row

__all__ = ["COMMANDS", "Count", "count_statements", "measure", "rows"]

#: Each catalog command as a member types it, with plausible arguments.
COMMANDS: dict[str, str] = {
    "start": "",
    "help": "",
    "lang": "en",
    "timezone": "Europe/Paris",
    "cancel": "",
    "propose": "",
    "show": "1",
    "join": "1",
    "volunteer": "1",
    "withdraw": "1",
    "counter": "1",
    "progress": "1",
    "browse": "",
    "search": "trees",
    "timeline": "1",
    "post": "1 The mayor agreed to meet us next week.",
    "comment": "1 A good idea, and cheap to do.",
    "edit": "1",
    "editpost": "1 The mayor will meet us on Tuesday.",
    "editcomment": "1 First comment on this, edited.",
    "deletecomment": "1",
    "follow": "1",
    "unfollow": "1",
    "follows": "",
    "digest": "weekly",
    "quiet": "22-07",
    "report": "1",
    "appeal": "1 This was a mistake.",
    "queue": "",
    "decide": "1 dismiss",
    "modlog": "",
    "responses": "1",
    "claim": "ABCDEF",
    "respond": "1",
    "official": "bob",
    "officials": "Lyon",
    "top": "",
    "me": "",
    "profile": "alice",
    "area": "Lyon",
    "modchat": "",
    "link": "",
    "unlink": "",
    "mydata": "",
    "forget": "",
    "forumchat": "",
}


@dataclass
class Count:
    statements: int = 0
    transactions: int = 0
    #: BEGIN statements sent (SQLite; PostgreSQL's driver begins implicitly).
    begins: int = 0
    #: Of those, BEGIN IMMEDIATE: transactions that took SQLite's write lock.
    write_locks: int = 0
    #: INSERT, UPDATE and DELETE statements.
    writes: int = 0


_TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@contextmanager
def count_statements(engine: Engine) -> Iterator[Count]:
    """Count what runs on ``engine`` inside the block."""
    count = Count()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split(None, 2)
        first = words[0].upper() if words else ""
        if first == "BEGIN":
            count.begins += 1
            count.write_locks += len(words) > 1 and words[1].upper() in ("IMMEDIATE", "EXCLUSIVE")
        if first not in _TRANSACTION_WORDS:
            count.statements += 1
            count.writes += first in _WRITE_WORDS

    def on_begin(conn: Any) -> None:
        count.transactions += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "begin", on_begin)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "begin", on_begin)


def measure(database_url: str) -> dict[str, Count]:
    """Every catalog command's count, on a fresh database at ``database_url``."""
    from core.bootstrap import Runtime
    from core.config import Settings
    from core.presentation.commands import default_catalog
    from core.services import admin
    from tests.support import Clock, People, load_small_tree, propose

    runtime = Runtime.open(Settings(), database_url=database_url, clock=Clock())
    try:
        runtime.prepare(load_areas=False)
        load_small_tree(runtime)
        people = People(runtime.chat())
        propose(people, "alice")
        people["bob"].say("/comment 1 First comment on this.")
        people["mod"].say("/help")
        admin.grant_role(runtime.uow(), people["mod"].member_id, "moderator")
        people["mod"].say("/help")
        counts: dict[str, Count] = {}
        for name in default_catalog().commands:
            person = people["mod"] if name in {"queue", "decide", "modlog"} else people["bob"]
            args = COMMANDS.get(name, "")
            person.say("/cancel")  # no flow left open by the previous command
            with count_statements(runtime.database.engine) as count:
                person.say(f"/{name} {args}".rstrip())
            counts[name] = count
        return counts
    finally:
        runtime.close()


def rows(database_url: str | None = None) -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'statements.db'}"
        counts = measure(url)
    out = []
    for name, c in counts.items():
        out.append(
            Row(
                f"statements, transactions: /{name} {COMMANDS.get(name, '')[:14]}".rstrip(),
                f"{c.statements}, {c.transactions}{'' if c.write_locks else ' (read)'}",
                target="<= 8, 1",
                met=c.statements <= 8 and c.transactions <= 1,
            )
        )
    worst = max(counts.values(), key=lambda c: (c.statements, c.transactions))
    met = sum(c.statements <= 8 and c.transactions <= 1 for c in counts.values())
    out.append(
        Row(
            "every command: most statements, transactions",
            f"{worst.statements}, {max(c.transactions for c in counts.values())}",
            ratio=f"{met}/{len(counts)} commands within",
            target="<= 8, 1",
            met=met == len(counts),
        )
    )
    return out
