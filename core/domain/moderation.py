"""Moderation after publication: reports, the review queue, decisions, appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain.initiatives import Initiative, Status, Visibility
from core.domain.members import Member
from core.errors import Conflict, Forbidden, InvalidInput

__all__ = [
    "APPEAL_ACTIONS",
    "APPEAL_MAX",
    "CONTENT_ACTIONS",
    "NOTE_MAX",
    "REASON_MAX",
    "Appeal",
    "Decision",
    "ModerationAction",
    "Report",
    "ReportReason",
    "ReviewCause",
    "ReviewItem",
    "TargetType",
    "actions_for",
    "appealable",
    "default_reason",
    "ensure_action_allowed",
    "ensure_appealable",
    "ensure_may_decide",
    "lift_suspension",
    "parse_action",
    "parse_reason",
    "parse_target_type",
    "reasons_summary",
    "reopen_after_overturn",
    "suspension_end",
    "visibility_after",
]

NOTE_MAX = 500
#: A moderator's typed reason, and an author's appeal.
REASON_MAX = 500
APPEAL_MAX = 1000


class TargetType(StrEnum):
    INITIATIVE = "initiative"
    POST = "post"
    COMMENT = "comment"
    RESPONSE = "response"
    MEMBER = "member"


class ReportReason(StrEnum):
    HATE = "hate"  # racism, xenophobia, antisemitism, nazism
    HARASSMENT = "harassment"  # harassment or personal attack
    SPAM = "spam"
    ILLEGAL = "illegal"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class ModerationAction(StrEnum):
    DISMISS = "dismiss"
    HIDE = "hide"
    REMOVE = "remove"
    WARN = "warn"
    SUSPEND = "suspend"
    # The two outcomes of an appeal.
    UPHOLD = "uphold"  # the original decision stands
    OVERTURN = "overturn"  # the original decision is undone

    @property
    def upholds(self) -> bool:
        """True when the decision agrees the content was a problem."""
        return self not in (ModerationAction.DISMISS, ModerationAction.OVERTURN)


class ReviewCause(StrEnum):
    REPORTS = "reports"
    SCREENING = "screening"
    APPEAL = "appeal"


@dataclass(eq=False)
class Report:
    target_type: TargetType
    target_id: int
    reporter_id: int
    reason: ReportReason
    created_at: datetime
    note: str | None = None
    id: int | None = None


@dataclass(eq=False)
class ReviewItem:
    """One entry of the moderators' queue; at most one open per target and cause."""

    target_type: TargetType
    target_id: int
    cause: ReviewCause
    opened_at: datetime
    closed_at: datetime | None = None
    decision_id: int | None = None
    appeal_id: int | None = None
    recalled_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(eq=False)
class Decision:
    """A line of the public moderation log (it never says who reported)."""

    target_type: TargetType
    target_id: int
    moderator_id: int
    action: ModerationAction
    reason: str
    created_at: datetime
    target_author_id: int | None = None
    suspension_days: int | None = None
    appeal_of_id: int | None = None
    #: The initiative's status just before this decision closed it (a
    #: removal); an overturn restores exactly that. None: nothing was closed.
    prior_status: Status | None = None
    id: int | None = None

    @property
    def suspends_until(self) -> datetime | None:
        """When the suspension this decision imposed ends; None when it is
        permanent (or not a suspension: see ``action``)."""
        if self.suspension_days:
            return self.created_at + timedelta(days=self.suspension_days)
        return None


@dataclass(eq=False)
class Appeal:
    decision_id: int
    member_id: int
    text: str
    created_at: datetime
    outcome_decision_id: int | None = None
    id: int | None = None


CONTENT_ACTIONS = (
    ModerationAction.DISMISS,
    ModerationAction.HIDE,
    ModerationAction.REMOVE,
    ModerationAction.WARN,
    ModerationAction.SUSPEND,
)
APPEAL_ACTIONS = (ModerationAction.UPHOLD, ModerationAction.OVERTURN)
#: A member has no visibility: they can be warned or suspended, not hidden.
_MEMBER_ACTIONS = (ModerationAction.DISMISS, ModerationAction.WARN, ModerationAction.SUSPEND)


def parse_target_type(value: str) -> TargetType:
    try:
        return TargetType(value)
    except ValueError as exc:
        raise InvalidInput("error.report_target_type", choices=", ".join(TargetType)) from exc


def parse_reason(value: str) -> ReportReason:
    try:
        return ReportReason(value)
    except ValueError as exc:
        raise InvalidInput("error.report_reason", choices=", ".join(ReportReason)) from exc


def parse_action(value: str) -> ModerationAction:
    try:
        return ModerationAction(value)
    except ValueError as exc:
        raise InvalidInput("error.moderation_action", choices=", ".join(ModerationAction)) from exc


def actions_for(cause: str, target_type: str) -> tuple[ModerationAction, ...]:
    """The decisions a review item allows: an appeal is upheld or overturned;
    a member can be warned or suspended but not hidden."""
    if cause == ReviewCause.APPEAL:
        return APPEAL_ACTIONS
    if target_type == TargetType.MEMBER:
        return _MEMBER_ACTIONS
    return CONTENT_ACTIONS


def ensure_action_allowed(action: ModerationAction, cause: str, target_type: str) -> None:
    allowed = actions_for(cause, target_type)
    if action in (ModerationAction.HIDE, ModerationAction.REMOVE) and target_type == TargetType.MEMBER:
        raise InvalidInput("error.moderation_member_action")
    if action not in allowed:
        raise InvalidInput("error.moderation_action", choices=", ".join(allowed))


def visibility_after(action: ModerationAction) -> Visibility | None:
    """What a decision does to the content it is about (None: nothing).

    A hold pending review ends with the review: content that is dismissed or
    only earns its author a warning is shown again. A suspension hides the
    content it was decided on (an overturn shows it again).
    """
    return {
        ModerationAction.DISMISS: Visibility.VISIBLE,
        ModerationAction.WARN: Visibility.VISIBLE,
        ModerationAction.HIDE: Visibility.HIDDEN,
        ModerationAction.SUSPEND: Visibility.HIDDEN,
        ModerationAction.REMOVE: Visibility.REMOVED,
        ModerationAction.OVERTURN: Visibility.VISIBLE,
    }.get(action)


def reasons_summary(counts: dict[str, int]) -> str:
    """The language-neutral default reason of a decision taken with a button:
    the report reasons, most frequent first ("hate,spam"); presentation
    translates each code."""
    return ",".join(sorted(counts, key=lambda reason: (-counts[reason], reason)))


def default_reason(action: ModerationAction, counts: dict[str, int], cause: str) -> str:
    """The reason of a decision taken without one typed: the report reasons
    (``reasons_summary``), or the cause. None for a dismissal: it rejects the
    reports, so their reasons are not its own."""
    if action is ModerationAction.DISMISS:
        return ""
    return reasons_summary(counts) or cause


def appealable(decision: Decision, *, appealed: bool) -> bool:
    """The one rule of appeals: a decision can be appealed once (``appealed``:
    it has been already), never a dismissal (nothing to undo) nor the
    outcome of an appeal (that is final)."""
    return not appealed and decision.appeal_of_id is None and decision.action != ModerationAction.DISMISS


def ensure_appealable(decision: Decision, member_id: int, *, appealed: bool) -> None:
    """``appealable``, by the author of the decided content only, or the
    refusal that says why."""
    if decision.target_author_id != member_id:
        raise Forbidden("error.appeal_not_author")
    if appealable(decision, appealed=appealed):
        return
    if decision.appeal_of_id is not None:
        raise InvalidInput("error.appeal_final")
    if decision.action == ModerationAction.DISMISS:
        raise InvalidInput("error.appeal_dismissal")
    raise Conflict("error.appeal_exists", id=decision.id)


def ensure_may_decide(
    moderator_id: int,
    target_author_id: int | None,
    original_moderator_id: int | None = None,
) -> None:
    """Never on one's own content; an appeal goes to a different moderator."""
    if target_author_id is not None and moderator_id == target_author_id:
        raise Forbidden("error.own_content")
    if original_moderator_id is not None and moderator_id == original_moderator_id:
        raise Forbidden("error.appeal_same_moderator")


def suspension_end(now: datetime, days: int | None, allowed: list[int]) -> datetime | None:
    """When a suspension of ``days`` ends; None means permanent (days=0 or None)."""
    if not days:
        return None
    if days not in allowed:
        raise InvalidInput("error.suspension_days", choices=", ".join(map(str, allowed)))
    return now + timedelta(days=days)


def lift_suspension(member: Member, standing: list[Decision]) -> None:
    """An overturned suspension: the member is suspended again only by the
    suspensions that still stand (``standing``: the other suspension
    decisions about them, none overturned), never by the one overturned."""
    member.suspended_until = None
    member.suspended_permanently = False
    for decision in standing:
        if decision.action == ModerationAction.SUSPEND:
            member.suspend(decision.suspends_until)


def reopen_after_overturn(
    initiative: Initiative, removal: Decision, now: datetime
) -> tuple[Status, Status] | None:
    """Undo the closing that came with a removal now overturned on appeal:
    the initiative gets back the very status it had before (``prior_status``,
    recorded with the decision), then expires if its time ran out meanwhile.

    Only when that decision closed it and it is still closed (a closed
    initiative is final: nothing else moves it). Returns (old, new) when the
    status changed.
    """
    if removal.prior_status is None or initiative.status != Status.CLOSED:
        return None
    old = initiative.status
    # A plain assignment: Initiative's own moves never lead out of a final status.
    initiative.status = Status(removal.prior_status)
    initiative.status_changed_at = now
    initiative.expire_if_due(now)
    return old, initiative.status
