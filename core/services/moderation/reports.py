"""Reports: one per member per target; enough distinct reporters hide
content pending review and open one review item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.domain.events import (
    ContentHidden,
    ContentReported,
)
from core.domain.initiatives import Visibility
from core.domain.limits import Limited, ensure_within_limit
from core.domain.members import Member
from core.domain.moderation import (
    NOTE_MAX,
    Report,
    ReviewCause,
    TargetType,
    parse_reason,
    parse_target_type,
)
from core.domain.text import clean_text
from core.errors import Conflict, InvalidInput, InvalidState
from core.services import flows
from core.services.limits import count_recent
from core.services.members import get_member
from core.services.moderation.items import open_item, pending_reports
from core.services.moderation.targets import Target, TargetSummary, load_target
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = ["REPORT_FLOW", "ReportResult", "check_reportable", "report"]

REPORT_FLOW = "report"


@dataclass(frozen=True)
class ReportResult:
    target_type: TargetType
    target_id: int
    #: Distinct reporters since the last decision on the target.
    reports: int
    #: True when this report hid the content pending review.
    hidden: bool


def _ensure_may_report(uow: UnitOfWork, reporter: Member, target: Target, settings: Settings) -> None:
    now = uow.now()
    reporter.ensure_may_act(now)
    if target.author_id == reporter.id:
        raise InvalidInput("error.report_own")
    if target.visibility == Visibility.HIDDEN:
        # Already out of view and before the moderators; its text is not
        # shown to whoever guesses its number.
        raise InvalidState("error.report_hidden")
    r = tables.reports.c
    already = uow.session.scalar(
        select(r.id).where(
            r.target_type == target.type, r.target_id == target.id, r.reporter_id == reporter.id
        )
    )
    if already is not None:
        raise Conflict("error.report_already")
    assert reporter.id is not None
    done = count_recent(uow, tables.reports, "reporter_id", reporter.id, now - timedelta(days=1))
    ensure_within_limit(Limited.REPORTS, done, settings.limits.reports_per_day)


def check_reportable(
    uow: UnitOfWork, reporter_id: int, target_type: str, target_id: int, settings: Settings
) -> TargetSummary:
    """Before the report flow asks for a reason: refuse at once what ``report``
    would refuse at the end (own content, reported already, suspended...)."""
    with uow:
        reporter = get_member(uow, reporter_id)
        target = load_target(uow, target_type, target_id)
        _ensure_may_report(uow, reporter, target, settings)
        return TargetSummary(target.type, target.id, target.excerpt)


def report(
    uow: UnitOfWork,
    reporter_id: int,
    target_type: str,
    target_id: int,
    reason: str,
    note: str | None,
    settings: Settings,
    *,
    from_flow: str | None = None,
) -> ReportResult:
    """Report content or a member. One report per member per target.

    When the distinct reporters of visible content since its last decision
    reach ``reports_before_hiding``, the content is hidden pending review and
    one review item opens. A member has no visibility: reporting one opens
    (or joins) a review item at once. With ``from_flow`` (the step of the
    report flow it comes from) the flow closes in the same transaction.
    """
    kind = parse_target_type(target_type)
    why = parse_reason(reason)
    text = None
    if note is not None and note.strip():
        text = clean_text(note, field="note", max_length=NOTE_MAX, multiline=True)
    with uow:
        now = uow.now()
        reporter = get_member(uow, reporter_id)
        # The row lock makes the report that crosses the threshold unique.
        target = load_target(uow, kind, target_id, for_update=True)
        _ensure_may_report(uow, reporter, target, settings)
        if from_flow is not None:
            flows.finish(uow, reporter_id, REPORT_FLOW, from_flow)
        uow.session.add(
            Report(
                target_type=kind,
                target_id=target_id,
                reporter_id=reporter_id,
                reason=why,
                created_at=now,
                note=text,
            )
        )
        try:
            uow.session.flush()
        except IntegrityError as exc:  # the same member, twice at once
            raise Conflict("error.report_already") from exc
        count = len(pending_reports(uow, kind, target_id))
        uow.emit(ContentReported(target_type=kind, target_id=target_id, reports=count))
        hidden = False
        if target.is_member:
            open_item(uow, kind, target_id, ReviewCause.REPORTS)
        elif target.visibility == Visibility.VISIBLE and count >= settings.moderation.reports_before_hiding:
            target.set_visibility(Visibility.HIDDEN)
            item = open_item(uow, kind, target_id, ReviewCause.REPORTS)
            assert item.id is not None
            uow.emit(ContentHidden(target_type=kind, target_id=target_id, review_item_id=item.id))
            hidden = True
        uow.commit()
        return ReportResult(kind, target_id, count, hidden)
