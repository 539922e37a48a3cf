"""The outbox, as notifications reads it: the entries after a cursor, typed
(``read_outbox``), and the deliveries they call for written with the cursor
moved in one transaction (``record_routing``).

notifications reaches the core only through core.services (DESIGN's
dependency rules, an import contract): this module is its door to the
outbox. The outbox is infrastructure, implemented in ``core.storage.outbox``
beside the unit of work that appends to it; nothing is added on the way.
"""

from __future__ import annotations

from core.storage.outbox import OutboxBatch, OutboxEntry, read_outbox, record_routing

__all__ = ["OutboxBatch", "OutboxEntry", "read_outbox", "record_routing"]
