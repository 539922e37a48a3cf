"""SQLAlchemy 2 storage: tables, the classical mapping of domain classes,
the database engine, the unit of work and the Alembic migrations; and the
infrastructure notifications runs on: the outbox (``outbox``), the delivery
ledger (``ledger``) and the scheduler's lock (``leader_lock``), which
notifications reaches through core.services (``outbox``, ``deliveries``,
``leadership``)."""
