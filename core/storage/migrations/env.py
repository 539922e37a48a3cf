"""Alembic environment: the engine comes from the Database that asked for the upgrade,
or from POSSIBLES_DATABASE_URL / the settings when alembic runs on its own."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine

from core.storage.tables import include_object, metadata
from core.storage.types import EnumText


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Enum columns are plain text in the schema (their values are the
    domain's business): render them as the String they are."""
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.length})"
    return False


config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from core.config import load_settings

    engine = create_engine(load_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
