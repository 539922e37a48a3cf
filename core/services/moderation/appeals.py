"""Appeals: the author of decided content asks once for another look,
by a moderator other than the one who decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.domain.events import (
    AppealFiled,
)
from core.domain.moderation import (
    APPEAL_MAX,
    Appeal,
    Decision,
    ModerationAction,
    ReviewCause,
    ReviewItem,
    TargetType,
    appealable,
    ensure_appealable,
)
from core.domain.text import clean_text
from core.errors import Conflict, NotFound
from core.services import flows
from core.services.members import get_member
from core.services.moderation.items import OUTCOME, decisions_with_outcome
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["APPEAL_FLOW", "MyDecision", "appeal", "appealed", "check_appealable", "my_decisions"]

APPEAL_FLOW = "appeal"


def _appealable(uow: UnitOfWork, member_id: int, decision_id: int) -> Decision:
    decision = uow.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("error.decision_not_found", id=decision_id)
    ensure_appealable(decision, member_id, appealed=appealed(uow, decision_id))
    return decision


def appealed(uow: UnitOfWork, decision_id: int) -> bool:
    """Inside an open unit of work: an appeal against the decision exists."""
    a = tables.appeals.c
    return uow.session.scalar(select(a.id).where(a.decision_id == decision_id)) is not None


def check_appealable(uow: UnitOfWork, member_id: int, decision_id: int) -> None:
    """Before the appeal flow asks for the text: refuse at once what
    ``appeal`` would refuse at the end."""
    with uow:
        get_member(uow, member_id)
        _appealable(uow, member_id, decision_id)


def appeal(
    uow: UnitOfWork, member_id: int, decision_id: int, text: str, *, from_flow: str | None = None
) -> int:
    """The author of decided content asks, once, for another look.

    A suspended member may appeal (their suspension above all). Opens a
    review item for a moderator other than the one who decided. Returns the
    appeal's id.
    """
    body = clean_text(text, field="text", max_length=APPEAL_MAX, multiline=True)
    with uow:
        now = uow.now()
        get_member(uow, member_id)
        decision = _appealable(uow, member_id, decision_id)
        if from_flow is not None:
            flows.finish(uow, member_id, APPEAL_FLOW, from_flow)
        filed = Appeal(decision_id=decision_id, member_id=member_id, text=body, created_at=now)
        uow.session.add(filed)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # appeals.decision_id is unique: a simultaneous twin
            raise Conflict("error.appeal_exists", id=decision_id) from exc
        assert filed.id is not None
        item = ReviewItem(
            target_type=decision.target_type,
            target_id=decision.target_id,
            cause=ReviewCause.APPEAL,
            opened_at=now,
            appeal_id=filed.id,
        )
        uow.session.add(item)
        uow.session.flush()
        assert item.id is not None
        uow.emit(AppealFiled(appeal_id=filed.id, decision_id=decision_id, review_item_id=item.id))
        uow.commit()
        return filed.id


@dataclass(frozen=True)
class MyDecision:
    """A decision on a member's content, as its author sees it."""

    decision_id: int
    target_type: TargetType
    target_id: int
    action: ModerationAction
    reason: str
    created_at: datetime
    suspension_days: int | None
    appealable: bool
    #: None: not appealed; "pending"; or the outcome ("uphold", "overturn").
    appeal: str | None


def my_decisions(uow: UnitOfWork, member_id: int, limit: int = 10) -> list[MyDecision]:
    """Decisions on the member's content (or on the member), newest first,
    with their reason and whether they can still be appealed."""
    d, a = tables.decisions.c, tables.appeals.c
    with uow:
        rows = uow.session.execute(
            decisions_with_outcome(a.id, OUTCOME.c.action)
            .where(d.target_author_id == member_id)
            .order_by(d.created_at.desc(), d.id.desc())
            .limit(limit)
        ).all()
    found = []
    for decision, appeal_id, outcome_action in rows:
        assert decision.id is not None
        state = None if appeal_id is None else (outcome_action or "pending")
        found.append(
            MyDecision(
                decision_id=decision.id,
                target_type=decision.target_type,
                target_id=decision.target_id,
                action=decision.action,
                reason=decision.reason,
                created_at=decision.created_at,
                suspension_days=decision.suspension_days,
                appealable=appealable(decision, appealed=appeal_id is not None),
                appeal=state,
            )
        )
    return found
