"""The unit of work: one transaction, events in the outbox, never nested."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.domain.events import SupportWithdrawn
from core.storage import tables


def test_an_event_exists_only_if_the_change_is_committed(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow:
        uow.emit(SupportWithdrawn(initiative_id=1, member_id=2))  # rolled back: never committed
    with uow:
        uow.emit(SupportWithdrawn(initiative_id=3, member_id=4))
        uow.commit()
    with uow:
        payloads = uow.session.scalars(select(tables.outbox.c.payload)).all()
    assert payloads == [{"initiative_id": 3, "member_id": 4}]


def test_opening_the_same_unit_of_work_twice_is_refused(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow, pytest.raises(RuntimeError, match="already open"), uow:
        pass
    with uow:  # usable again once closed
        assert uow.session.scalar(select(func.count()).select_from(tables.outbox)) == 0
