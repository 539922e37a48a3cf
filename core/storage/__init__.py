"""SQLAlchemy 2 storage: tables, the classical mapping of domain classes,
the database engine, the unit of work and the Alembic migrations."""
