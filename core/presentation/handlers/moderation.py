"""Moderation: /report (guided), /queue, /decide, /appeal, /modlog.

Button verbs: r (report: <type letter>,<id>), rr (report reason), rn (no
note), md (decide: <item>,<action>[,<days>]), mi (a review item's card),
mq (queue page), ml (log page), ap (appeal a decision).
"""

from __future__ import annotations

from core.domain.flows import Conversation
from core.domain.moderation import (
    ModerationAction,
    ReportReason,
    ReviewCause,
    TargetType,
    parse_action,
    parse_reason,
)
from core.errors import InvalidInput, StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import Audience, CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import ensure_page, member_label, notice
from core.presentation.i18n import Translator
from core.presentation.parameters import PAGE_MAX, Kind, Parameter, match_choice
from core.presentation.payloads import build, int_arg, page_arg
from core.services import flows, moderation
from core.services.moderation import APPEAL_FLOW, REPORT_FLOW, DecisionResult, LogEntry, QueueEntry

__all__ = [
    "TARGET_LETTERS",
    "action_text",
    "decided_card",
    "excerpt_text",
    "reason_text",
    "report_action",
    "review_card",
    "target_text",
]

#: The type letters of report payloads (``v1:r:p:12`` reports post 12).
TARGET_LETTERS: dict[str, TargetType] = {
    "i": TargetType.INITIATIVE,
    "p": TargetType.POST,
    "c": TargetType.COMMENT,
    "o": TargetType.RESPONSE,
    "m": TargetType.MEMBER,
}
_LETTER_OF = {kind: letter for letter, kind in TARGET_LETTERS.items()}


#: Decision reasons stored as codes (a button's default) are translated.
_REASON_CODES = {r.value for r in ReportReason} | {ReviewCause.SCREENING.value, ReviewCause.APPEAL.value}


def target_text(t: Translator, target_type: str, target_id: int) -> str:
    return t(f"moderation.target.{target_type}", id=target_id)


def excerpt_text(t: Translator, target_type: str, excerpt: str) -> str:
    """What a report is about, as quoted to the reporter and the moderators:
    a member's excerpt is their name, shown as names are (a former member's
    reads "former member", never an empty quote)."""
    return t.member_name(excerpt) if target_type == TargetType.MEMBER else excerpt


def reason_text(t: Translator, reason: str) -> str:
    """A decision's reason: codes ("hate,spam") translated, free text as typed."""
    codes = reason.split(",")
    if codes and all(code in _REASON_CODES for code in codes):
        return ", ".join(t(f"reason.{code}") for code in codes)
    return reason


def report_action(t: Translator, target_type: TargetType, target_id: int, row: int = 0) -> Action:
    """The Report button other features put on their cards."""
    return Action(
        t("button.report"), build("r", _LETTER_OF[target_type], target_id), ActionStyle.DANGER, row=row
    )


# --- reporting ------------------------------------------------------------


def _prompt(text: str, *actions: Action, edit: bool = False) -> Reply:
    return Reply([Card(lines=(text,), actions=tuple(actions), kind=CardKind.PROMPT)], edit=edit)


def _cancel_action(ctx: Context) -> Action:
    return Action(ctx.t("button.cancel"), build("px"), row=9)


def _reason_prompt(ctx: Context, target_type: str, target_id: int, excerpt: str) -> Reply:
    actions = [
        Action(ctx.t(f"moderation.reason_button.{reason.value}"), build("rr", reason.value), row=i)
        for i, reason in enumerate(ReportReason)
    ]
    text = ctx.t(
        "report.ask_reason",
        target=target_text(ctx.t, target_type, target_id),
        excerpt=excerpt_text(ctx.t, target_type, excerpt),
    )
    return _prompt(text, *actions, _cancel_action(ctx))


def _begin_report(ctx: Context, kind: TargetType, target_id: int) -> Reply:
    summary = moderation.check_reportable(ctx.uow, ctx.member.id, kind.value, target_id, ctx.settings)
    flows.begin(ctx.uow, ctx.member.id, REPORT_FLOW, "reason", {"type": kind.value, "id": target_id})
    return _reason_prompt(ctx, summary.target_type, summary.target_id, summary.excerpt)


def report(
    ctx: Context,
    initiative: int | None,
    post: int | None,
    comment: int | None,
    response: int | None,
    member: int | None,
) -> Reply:
    """Exactly one target: "/report 12", "/report comment 4", "/report member bob"."""
    given = [
        (kind, value)
        for kind, value in (
            (TargetType.INITIATIVE, initiative),
            (TargetType.POST, post),
            (TargetType.COMMENT, comment),
            (TargetType.RESPONSE, response),
            (TargetType.MEMBER, member),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInput("error.report_usage")
    return _begin_report(ctx, *given[0])


def report_pressed(ctx: Context, args: list[str]) -> Reply:
    if not args or args[0] not in TARGET_LETTERS:
        raise StaleAction()
    return _begin_report(ctx, TARGET_LETTERS[args[0]], int_arg(args, 1))


def reason_pressed(ctx: Context, args: list[str]) -> Reply:
    if not args:
        raise StaleAction()
    reason = parse_reason(args[0])
    flows.update(ctx.uow, ctx.member.id, REPORT_FLOW, ("reason",), "note", {"reason": reason.value})
    return _prompt(
        ctx.t("report.ask_note"),
        Action(ctx.t("moderation.button.no_note"), build("rn"), ActionStyle.PRIMARY, row=0),
        _cancel_action(ctx),
        edit=True,
    )


def _file_report(ctx: Context, conversation: Conversation, note: str | None) -> Reply:
    data = conversation.data
    moderation.report(
        ctx.uow,
        ctx.member.id,
        str(data["type"]),
        int(data["id"]),
        str(data["reason"]),
        note,
        ctx.settings,
        from_flow="note",
    )
    return Reply([Card(lines=(ctx.t("report.thanks"),), kind=CardKind.SUCCESS)], edit=True)


def no_note_pressed(ctx: Context, args: list[str]) -> Reply:
    conversation = flows.current(ctx.uow, ctx.member.id)
    if conversation is None or conversation.flow != REPORT_FLOW or conversation.step != "note":
        raise StaleAction()
    return _file_report(ctx, conversation, None)


def report_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    if conversation.step == "reason":
        return _prompt(ctx.t("report.use_buttons"))
    if conversation.step == "note":
        reply = _file_report(ctx, conversation, text)
        reply.edit = False  # an answer to typed text, not to a button
        return reply
    raise StaleAction()


# --- the queue and decisions ------------------------------------------------


def _decision_buttons(ctx: Context, entry: QueueEntry) -> tuple[Action, ...]:
    actions = []
    styles = {
        ModerationAction.DISMISS.value: ActionStyle.SUCCESS,
        ModerationAction.REMOVE.value: ActionStyle.DANGER,
        ModerationAction.SUSPEND.value: ActionStyle.DANGER,
        ModerationAction.OVERTURN.value: ActionStyle.PRIMARY,
    }
    for i, action in enumerate(entry.actions):
        actions.append(
            Action(
                ctx.t(f"moderation.button.{action}"),
                build("md", entry.item_id, action),
                styles.get(action, ActionStyle.SECONDARY),
                row=i // 3,
            )
        )
    return tuple(actions)


def review_card(ctx: Context, entry: QueueEntry) -> Card:
    """A review item with its decision buttons (ref ``review:<id>``)."""
    t = ctx.t
    lines = [
        t(
            "queue.target",
            target=target_text(t, entry.target_type, entry.target_id),
            author=member_label(t, entry.author_name, entry.author_id),
        ),
        t("quote", text=excerpt_text(t, entry.target_type, entry.excerpt)),
    ]
    if entry.visibility is not None:
        lines.append(t(f"queue.{entry.visibility}"))
    if entry.reports:
        reasons = ", ".join(
            t("queue.reason_count", reason=t(f"reason.{reason}"), count=count)
            for reason, count in entry.reasons
        )
        lines.append(t("queue.reports", count=entry.reports, reasons=reasons))
    lines.extend(t("queue.note", note=note) for note in entry.notes)
    if entry.appealed_decision_id is not None:
        lines.append(
            t(
                "queue.appealed",
                id=entry.appealed_decision_id,
                action=t(f"moderation.action.{entry.appealed_action}"),
                reason=reason_text(t, entry.appealed_reason or ""),
            )
        )
        lines.append(t("queue.appeal_text", text=entry.appeal_text or ""))
    return Card(
        title=t("queue.title", id=entry.item_id, cause=t(f"queue.cause.{entry.cause}")),
        lines=tuple(lines),
        actions=_decision_buttons(ctx, entry),
        footer=t("queue.footer", opened=entry.opened_at),
        ref=f"review:{entry.item_id}",
    )


def _show_queue(ctx: Context, page: int, *, edit: bool = False) -> Reply:
    # In the moderators' group the cards stay for all of them: in the chat's language.
    ctx = ctx.in_chat_language()
    found = moderation.queue(ctx.uow, ctx.member.id, min(page, PAGE_MAX))
    if not found.total:
        return Reply([Card(lines=(ctx.t("queue.empty"),))], edit=edit)
    ensure_page(page, found.pages)
    cards = [review_card(ctx, entry) for entry in found.entries]
    nav = []
    if found.page > 0:
        nav.append(Action(ctx.t("button.previous"), build("mq", found.page - 1)))
    if found.page + 1 < found.pages:
        nav.append(Action(ctx.t("button.next"), build("mq", found.page + 1)))
    summary = ctx.t("queue.page", page=found.page + 1, pages=found.pages, count=found.total)
    cards.append(Card(lines=(summary,), actions=tuple(nav)))
    return Reply(cards, edit=edit, shared=True)


@read_only
def queue(ctx: Context, page: int | None) -> Reply:
    return _show_queue(ctx, (page or 1) - 1)


@read_only
def queue_pressed(ctx: Context, args: list[str]) -> Reply:
    return _show_queue(ctx, page_arg(args, 0))


@read_only
def item_pressed(ctx: Context, args: list[str]) -> Reply:
    entry = moderation.review_entry(ctx.uow, ctx.member.id, int_arg(args))
    return Reply([review_card(ctx.in_chat_language(), entry)], edit=True, shared=True)


def decided_card(ctx: Context, result: DecisionResult) -> Card:
    """A decided review item (ref ``review:<id>``): what, by whom, why; no buttons."""
    t = ctx.t
    lines = [
        t(
            "decision.taken",
            decision=result.decision_id,
            action=t(f"moderation.action.{result.action}"),
            moderator=t.member_name(result.moderator_name),
        ),
    ]
    if result.reason:
        lines.append(t("decision.reason", reason=reason_text(t, result.reason)))
    if result.action == ModerationAction.SUSPEND.value:
        if result.suspended_until is None:
            lines.append(t("decision.suspended_permanently"))
        else:
            lines.append(t("decision.suspended_until", until=result.suspended_until))
    return Card(
        title=t("queue.title", id=result.item_id, cause=target_text(t, result.target_type, result.target_id)),
        lines=tuple(lines),
        kind=CardKind.SUCCESS,
        ref=f"review:{result.item_id}",
    )


def _durations_card(ctx: Context, entry: QueueEntry) -> Card:
    item = entry.item_id
    actions = [
        Action(ctx.t("moderation.button.days", count=days), build("md", item, "suspend", days), row=0)
        for days in ctx.settings.moderation.suspension_days
    ]
    actions.append(
        Action(
            ctx.t("moderation.button.permanent"), build("md", item, "suspend", 0), ActionStyle.DANGER, row=1
        )
    )
    actions.append(Action(ctx.t("moderation.button.back"), build("mi", item), row=1))
    return Card(
        title=ctx.t("queue.title", id=item, cause=target_text(ctx.t, entry.target_type, entry.target_id)),
        lines=(ctx.t("queue.suspend_how_long", name=ctx.t.member_name(entry.author_name)),),
        actions=tuple(actions),
        kind=CardKind.PROMPT,
        ref=f"review:{item}",
    )


def decide_pressed(ctx: Context, args: list[str]) -> Reply:
    """``md:<item>:<action>[:<days>]``; a Suspend without days asks how long."""
    item_id = int_arg(args)
    if len(args) < 2:
        raise StaleAction()
    action = parse_action(args[1])
    if action is ModerationAction.SUSPEND and len(args) < 3:
        entry = moderation.review_entry(ctx.uow, ctx.member.id, item_id)
        return Reply([_durations_card(ctx.in_chat_language(), entry)], edit=True, shared=True)
    days = int_arg(args, 2) if action is ModerationAction.SUSPEND else None
    result = moderation.decide(ctx.uow, ctx.member.id, item_id, action.value, "", ctx.settings, days)
    # The review card stays in the moderators' chat for all of them: in its language.
    return Reply([decided_card(ctx.in_chat_language(), result)], edit=True, shared=True)


def decide(ctx: Context, item: int, action: str, days: str | None, reason: str | None) -> Reply:
    chosen = ModerationAction(action)
    length = None
    if chosen is ModerationAction.SUSPEND:
        length = _suspension_days(ctx, days)
    result = moderation.decide(ctx.uow, ctx.member.id, item, chosen.value, reason or "", ctx.settings, length)
    return Reply([decided_card(ctx, result)])


def _suspension_days(ctx: Context, days: str | None) -> int:
    """ "7" -> 7, "permanent" (in either language) -> 0."""
    if days is not None and days.isascii() and days.isdigit() and len(days) < 6:
        return int(days)
    if days is not None and match_choice(_PERMANENT, days) is not None:
        return 0
    choices = ", ".join(map(str, ctx.settings.moderation.suspension_days))
    raise InvalidInput("error.suspension_days", choices=choices)


# --- appeals --------------------------------------------------------------


def _my_decisions(ctx: Context) -> Reply:
    t = ctx.t
    found = moderation.my_decisions(ctx.uow, ctx.member.id)
    if not found:
        return notice(t("appeal.none"), CardKind.INFO)
    lines: list[str] = []
    actions: list[Action] = []
    for d in found:
        lines.append(
            t(
                "appeal.line" if d.reason else "appeal.line_without_reason",
                id=d.decision_id,
                date=d.created_at,
                target=target_text(t, d.target_type, d.target_id),
                action=action_text(t, d.action, d.suspension_days),
                reason=reason_text(t, d.reason),
            )
        )
        if d.appeal is not None:
            lines.append(t(f"appeal.state.{d.appeal}"))
        elif d.appealable:
            actions.append(
                Action(t("moderation.button.appeal", id=d.decision_id), build("ap", d.decision_id))
            )
    if actions:
        lines.append(t("appeal.how"))
    return Reply([Card(title=t("appeal.title"), lines=tuple(lines), actions=tuple(actions))])


def _begin_appeal(ctx: Context, decision_id: int) -> Reply:
    moderation.check_appealable(ctx.uow, ctx.member.id, decision_id)
    flows.begin(ctx.uow, ctx.member.id, APPEAL_FLOW, "text", {"decision_id": decision_id})
    return _prompt(ctx.t("appeal.ask_text", id=decision_id), _cancel_action(ctx))


def appeal(ctx: Context, decision: int | None, text: str | None) -> Reply:
    if decision is None:
        return _my_decisions(ctx)
    if not text:
        return _begin_appeal(ctx, decision)
    moderation.appeal(ctx.uow, ctx.member.id, decision, text)
    return notice(ctx.t("appeal.filed", id=decision))


def appeal_pressed(ctx: Context, args: list[str]) -> Reply:
    return _begin_appeal(ctx, int_arg(args))


def appeal_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    if conversation.step != "text":
        raise StaleAction()
    decision_id = int(conversation.data["decision_id"])
    moderation.appeal(ctx.uow, ctx.member.id, decision_id, text, from_flow="text")
    return notice(ctx.t("appeal.filed", id=decision_id))


# --- the public log -------------------------------------------------------


def action_text(t: Translator, action: str, days: int | None) -> str:
    """A decision as people read it: "suspend (7 days)"."""
    text = t(f"moderation.action.{action}")
    if action == ModerationAction.SUSPEND.value:
        length = t("modlog.permanent") if not days else t("modlog.days", count=days)
        text = f"{text} ({length})"
    return text


def _log_line(t: Translator, entry: LogEntry) -> str:
    return t(
        "modlog.line" if entry.reason else "modlog.line_without_reason",
        date=entry.created_at,
        target=target_text(t, entry.target_type, entry.target_id),
        action=action_text(t, entry.action, entry.suspension_days),
        reason=reason_text(t, entry.reason),
    )


def _show_log(ctx: Context, page: int, *, edit: bool = False) -> Reply:
    t = ctx.t
    found = moderation.moderation_log(ctx.uow, min(page, PAGE_MAX))
    if not found.total:
        return Reply([Card(title=t("modlog.title"), lines=(t("modlog.empty"),))], edit=edit)
    ensure_page(page, found.pages)
    lines = [_log_line(t, entry) for entry in found.entries]
    nav = []
    if found.page > 0:
        nav.append(Action(t("button.previous"), build("ml", found.page - 1)))
    if found.page + 1 < found.pages:
        nav.append(Action(t("button.next"), build("ml", found.page + 1)))
    return Reply(
        [
            Card(
                title=t("modlog.title"),
                lines=tuple(lines),
                actions=tuple(nav),
                footer=t("modlog.page", page=found.page + 1, pages=found.pages),
            )
        ],
        edit=edit,
    )


@read_only
def modlog(ctx: Context, page: int | None) -> Reply:
    return _show_log(ctx, (page or 1) - 1)


@read_only
def modlog_pressed(ctx: Context, args: list[str]) -> Reply:
    reply = _show_log(ctx, page_arg(args, 0), edit=True)
    reply.shared = True
    return reply


#: "permanent" as a suspension's length, in either language.
_PERMANENT = Parameter("permanent", Kind.CHOICE, choices=("permanent",), group="suspension")


def _content(name: str, kind: Kind, *aliases: str) -> Parameter:
    return Parameter(name, kind, required=False, keyword=True, positional=False, aliases=aliases)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "report",
        report,
        (
            Parameter("initiative", Kind.INITIATIVE, required=False, keyword=True, aliases=("i",)),
            _content("post", Kind.POST, "p", "news", "actu"),
            _content("comment", Kind.COMMENT, "c"),
            _content("response", Kind.RESPONSE, "o"),
            _content("member", Kind.MEMBER, "m"),
        ),
        private=True,
        order=60,
    ),
    CommandSpec(
        "appeal",
        appeal,
        (Parameter("decision", Kind.DECISION, required=False), Parameter("text", Kind.TEXT, required=False)),
        private=True,
        order=62,
    ),
    CommandSpec(
        "queue",
        queue,
        (Parameter("page", Kind.PAGE, required=False),),
        audience=Audience.MODERATOR,
        order=70,
    ),
    CommandSpec(
        "decide",
        decide,
        (
            Parameter("item", Kind.REVIEW_ITEM),
            Parameter("action", Kind.CHOICE, choices=tuple(a.value for a in ModerationAction)),
            Parameter(
                "days",
                Kind.TEXT,
                required=False,
                one_word=True,
                only_with=("action", ModerationAction.SUSPEND.value),
            ),
            Parameter("reason", Kind.TEXT, required=False),
        ),
        audience=Audience.MODERATOR,
        order=71,
    ),
    CommandSpec("modlog", modlog, (Parameter("page", Kind.PAGE, required=False),), order=75),
)
PRESSES: dict[str, PressHandler] = {
    "r": report_pressed,
    "rr": reason_pressed,
    "rn": no_note_pressed,
    "mq": queue_pressed,
    "mi": item_pressed,
    "md": decide_pressed,
    "ap": appeal_pressed,
    "ml": modlog_pressed,
}
FLOWS: dict[str, TextHandler] = {REPORT_FLOW: report_text, APPEAL_FLOW: appeal_text}
