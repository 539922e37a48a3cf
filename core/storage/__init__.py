"""SQLAlchemy 2 storage: tables, the classical mapping of domain classes,
the database engine, the unit of work and the Alembic migrations; and the
infrastructure notifications run on: the outbox (``outbox``, with the events'
codec in ``event_codec``), the delivery ledger (``ledger``, what deliveries
carry in ``delivery_payloads``) and the scheduler's lock (``leader_lock``)."""
