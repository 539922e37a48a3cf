"""Alembic environment: the engine comes from the Database that asked for the upgrade,
or from POSSIBLES_DATABASE_URL / the settings when alembic runs on its own."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from core.storage.tables import include_object, metadata

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
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
