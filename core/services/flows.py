"""State of multi-step conversations, kept in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from core.domain.flows import Conversation
from core.errors import StaleAction
from core.storage import tables
from core.storage.uow import UnitOfWork
from core.storage.upserts import insert_or_update

__all__ = ["begin", "cancel", "current", "finish", "update"]


def _load(uow: UnitOfWork, member_id: int) -> Conversation | None:
    return uow.session.scalars(
        select(Conversation).where(tables.conversations.c.member_id == member_id)
    ).one_or_none()


def current(uow: UnitOfWork, member_id: int) -> Conversation | None:
    """The member's open flow, or None (an abandoned one is dropped)."""
    with uow:
        conversation = _load(uow, member_id)
        if conversation is not None and conversation.expired(uow.now()):
            uow.session.delete(conversation)
            uow.commit()
            return None
        return conversation


def begin(uow: UnitOfWork, member_id: int, flow: str, step: str, data: dict[str, Any]) -> Conversation:
    """Open a flow, replacing any other the member had open. One statement,
    so a double tap (two begins at once) leaves one flow, never an error."""
    with uow:
        insert_or_update(
            uow,
            tables.conversations,
            {"member_id": member_id, "flow": flow, "step": step, "data": dict(data), "updated_at": uow.now()},
            conflict=("member_id",),
        )
        uow.commit()
        conversation = _load(uow, member_id)
        assert conversation is not None
        return conversation


def update(
    uow: UnitOfWork,
    member_id: int,
    flow: str,
    expected_steps: tuple[str, ...],
    step: str,
    data: dict[str, Any],
) -> Conversation:
    """Move the flow to ``step``; StaleAction if it is no longer where the
    button or message thought it was (a stale button, a double press)."""
    with uow:
        conversation = _load(uow, member_id)
        if conversation is None or conversation.flow != flow or conversation.step not in expected_steps:
            raise StaleAction()
        conversation.step = step
        conversation.data = {**conversation.data, **data}  # a new dict: JSON columns track assignment
        conversation.updated_at = uow.now()
        uow.commit()
        return conversation


def finish(uow: UnitOfWork, member_id: int, flow: str, step: str) -> dict[str, Any]:
    """Inside an open unit of work: close the flow if it is at ``step`` and
    return its data; StaleAction otherwise. The caller commits, so the flow
    ends in the same transaction as the action it leads to, exactly once."""
    conversation = _load(uow, member_id)
    if conversation is None or conversation.flow != flow or conversation.step != step:
        raise StaleAction()
    data = dict(conversation.data)
    result = uow.session.execute(
        delete(tables.conversations).where(
            tables.conversations.c.id == conversation.id,
            tables.conversations.c.step == step,
        )
    )
    if getattr(result, "rowcount", 1) != 1:
        raise StaleAction()
    uow.session.expunge(conversation)
    return data


def cancel(uow: UnitOfWork, member_id: int) -> bool:
    """Drop the member's open flow; True if there was one."""
    with uow:
        result = uow.session.execute(
            delete(tables.conversations).where(tables.conversations.c.member_id == member_id)
        )
        uow.commit()
        return bool(getattr(result, "rowcount", 0))
