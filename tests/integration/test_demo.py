"""``possibles demo`` fills an empty database with initiatives in every state."""

from __future__ import annotations

import pytest

from core.bootstrap import Runtime
from core.config import Settings
from core.demo import seed_demo
from core.domain.initiatives import Status
from core.errors import InvalidState
from core.services import moderation
from core.storage.database import Database
from tests.support import People, text_of


def test_demo_shows_every_state_and_refuses_a_second_run(database: Database, settings: Settings) -> None:
    summary = seed_demo(database, settings)
    assert set(summary.states) == {status.value for status in Status}
    assert summary.responses >= 2 and summary.decisions >= 1 and summary.reports >= 7
    with pytest.raises(InvalidState):
        seed_demo(database, settings)

    runtime = Runtime(settings, database)
    people = People(runtime.chat())
    people["dominique"].platform = "console"
    queue = people["dominique"].say("/queue")
    assert "hors sujet ×3" in text_of(queue)  # dominique is a French-speaking demo moderator
    log = moderation.moderation_log(runtime.uow())
    assert len(log.entries) == 1
