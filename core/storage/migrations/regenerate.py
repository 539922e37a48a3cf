"""Rewrite the initial migration from the current metadata.

Until the first release nobody holds a database worth migrating, so the
schema stays one migration: ``python -m core.storage.migrations.regenerate``.
After the first release, add revisions with Alembic instead (and delete this).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from core.storage.database import Database

VERSIONS = Path(__file__).parent / "versions"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(f"sqlite:///{Path(scratch) / 'empty.db'}")
        command.revision(
            database.alembic_config(), message="initial schema", autogenerate=True, rev_id="0001"
        )
        database.dispose()
    for new in VERSIONS.glob("0001_*.py"):
        text = new.read_text()
        lines = [line for line in text.splitlines() if not line.startswith("Create Date:")]
        new.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
