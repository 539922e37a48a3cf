"""Exactly one scheduler per deployment: the lock its process holds.

notifications reaches the core only through core.services (DESIGN's
dependency rules, an import contract): this module is its door to the lock,
which is infrastructure (a PostgreSQL advisory lock, or a file lock beside a
SQLite database) implemented in ``core.storage.leader_lock``.
"""

from __future__ import annotations

from core.storage.leader_lock import LeaderLock

__all__ = ["LeaderLock"]
