"""Wiring for entry points: settings -> database -> units of work -> chat.

Front ends and the CLI start here, so none of them touches SQLAlchemy."""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.clock import Clock, utcnow
from core.config import Settings, load_settings
from core.presentation.chat import Chat
from core.storage.database import Database
from core.storage.uow import UnitOfWork

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


class Runtime:
    """One per process: ``Runtime.start()`` gives a ready database and chat."""

    def __init__(self, settings: Settings, database: Database, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.database = database
        self.clock = clock
        self.badges = settings.badge_book()

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, database_url: str | None = None, clock: Clock = utcnow
    ) -> Runtime:
        settings = settings or load_settings()
        if database_url:
            settings = settings.model_copy(update={"database_url": database_url})
        return cls(settings, Database(settings.database_url), clock)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.database,
            self.clock,
            time_zone=self.settings.default_time_zone,
            badges=self.badges,
        )

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self.uow

    def chat(self) -> Chat:
        return Chat(self.uow, self.settings)

    def prepare(self, *, load_areas: bool = True) -> None:
        """Bring the schema up to date and, on an empty database, load the
        shipped areas (France's regions, departments and communes)."""
        self.database.upgrade()
        if load_areas:
            from core.services import area_import

            loaded = area_import.load_default_areas(self.uow())
            if loaded:
                log.info("loaded %d default areas", loaded)

    def close(self) -> None:
        self.database.dispose()
