"""/timeline, /post (news by the team) and /comment.

``/post 12 Our first meeting is on Monday`` publishes at once; ``/post 12``
alone asks for the text in the next message (a small flow kept in the
database, like /propose). Same for /comment.
"""

from __future__ import annotations

from core.domain.flows import Conversation
from core.domain.initiatives import Visibility
from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import ensure_page
from core.presentation.parameters import PAGE_MAX, Kind, Parameter
from core.presentation.payloads import build, int_arg, page_arg
from core.services import contributions, flows
from core.services.contributions import COMMENT_FLOW, POST_FLOW
from core.services.timeline import EntryKind, TimelineEntry, TimelinePage, timeline

__all__ = ["clip", "show_timeline", "timeline_card"]

#: Long texts are clipped in chat so that a page stays one message
#: (Telegram: 4,096 characters); the web page shows them in full.
TEXT_IN_CARD = 700
_STEP = "text"
_IN_PLACE = "e"

#: Report type letters of the "r" verb, for what can be reported from here.
_REPORT_LETTER = {EntryKind.POST.value: "p", EntryKind.COMMENT.value: "c", EntryKind.RESPONSE.value: "o"}
#: Letters of the edit and history verbs (handlers/editing.py).
_WRITING_LETTER = {EntryKind.POST.value: "p", EntryKind.COMMENT.value: "c"}


def clip(text: str) -> str:
    """``text`` cut to what a chat card shows."""
    return text if len(text) <= TEXT_IN_CARD else text[: TEXT_IN_CARD - 1].rstrip() + "…"


def _entry_line(ctx: Context, number: int, entry: TimelineEntry) -> str:
    t = ctx.t
    head = t("timeline.head", number=number, at=entry.at)
    kind = entry.kind
    if entry.visibility == Visibility.DELETED.value:
        # Its number too: the author's own deletion, not the moderators'.
        return f"{head} {t('timeline.deleted', id=entry.ref_id)}"
    if entry.visibility != Visibility.VISIBLE.value:
        # Its number, as the moderation log and the notices name it.
        what = t("timeline.numbered", what=t(f"timeline.kind.{kind}"), id=entry.ref_id)
        key = "timeline.hidden" if entry.visibility == Visibility.HIDDEN.value else "timeline.removed"
        return f"{head} {t(key, what=what)}"
    text = clip(entry.text or "")
    author = "?" if entry.author is None else t.member_name(entry.author)
    if kind == EntryKind.CREATED.value:
        body = t("timeline.created", author=author)
    elif kind == EntryKind.GOAL_REACHED.value:
        body = t("timeline.goal_reached")
    elif kind == EntryKind.STATUS.value:
        body = t("timeline.status", status=t(f"status.{entry.status}"))
    elif kind == EntryKind.POST.value:
        body = t("timeline.post", id=entry.ref_id, author=author, text=text)
        if entry.edited:
            body = f"{body} {t('timeline.edited_post')}"
    elif kind == EntryKind.COMMENT.value:
        body = t("timeline.comment", id=entry.ref_id, author=author, text=text)
        if entry.edited:
            body = f"{body} {t('timeline.edited_comment')}"
    elif kind == EntryKind.RESPONSE.value:
        body = t(
            "timeline.response",
            author=author,
            mandate=entry.official_title or "",
            position=t(f"timeline.position.{entry.position}"),
            text=text,
        )
        if entry.edited:
            body = f"{body} {t('timeline.edited')}"
    else:
        body = t("timeline.counter", id=entry.ref_id, author=author, title=text)
    return f"{head} {body}"


def _writing_actions(ctx: Context, number: int, entry: TimelineEntry) -> list[Action]:
    """🕘 (former versions) on an edited post or comment, for everyone; ✎ and
    🗑 on the viewer's own, in a private chat only (a card in a group is
    shared: its buttons are what anyone may press)."""
    letter = _WRITING_LETTER.get(entry.kind)
    if letter is None or entry.visibility != Visibility.VISIBLE.value:
        return []
    found = []
    if entry.edited:
        found.append(Action(f"🕘 {number}", build("hv", letter, entry.ref_id), row=4))
    if entry.mine and not ctx.speaker.in_group:
        found.append(Action(f"✎ {number}", build("ee", letter, entry.ref_id), row=5))
        if entry.kind == EntryKind.COMMENT.value:
            found.append(Action(f"🗑 {number}", build("dc", entry.ref_id), row=5))
    return found


def timeline_card(ctx: Context, page: TimelinePage) -> Card:
    t = ctx.t
    first = page.page * page.page_size + 1
    lines = [_entry_line(ctx, first + n, entry) for n, entry in enumerate(page.entries)]
    if not lines:
        lines.append(t("timeline.empty_page"))
    actions: list[Action] = []
    for n, entry in enumerate(page.entries):
        letter = _REPORT_LETTER.get(entry.kind)
        if letter and entry.visibility == Visibility.VISIBLE.value:
            actions.append(
                Action(f"⚑ {first + n}", build("r", letter, entry.ref_id), ActionStyle.DANGER, row=3)
            )
        actions.extend(_writing_actions(ctx, first + n, entry))
    initiative_id = page.initiative_id
    if page.page > 0:
        actions.append(
            Action(t("button.previous"), build("tl", initiative_id, page.page - 1, _IN_PLACE), row=0)
        )
    if page.has_next:
        actions.append(Action(t("button.next"), build("tl", initiative_id, page.page + 1, _IN_PLACE), row=0))
    if page.viewer_may_comment:
        actions.append(
            Action(t("timeline.button.comment"), build("tc", initiative_id), ActionStyle.PRIMARY, row=1)
        )
    if page.viewer_may_post:
        actions.append(
            Action(t("timeline.button.post"), build("tn", initiative_id), ActionStyle.SUCCESS, row=1)
        )
    actions.append(Action(t("timeline.button.initiative"), build("s", initiative_id), row=2))
    return Card(
        title=t("timeline.title", id=initiative_id, title=page.title),
        lines=tuple(lines),
        actions=tuple(actions),
        footer=t("timeline.page", page=page.page + 1, pages=page.pages),
        ref=f"timeline:{initiative_id}",
    )


def show_timeline(ctx: Context, initiative_id: int, page: int = 0, *, edit: bool = False) -> Reply:
    """One page of the timeline (from 0); a page past its end is said so."""
    result = timeline(ctx.uow, initiative_id, ctx.reader_id, min(page, PAGE_MAX))
    ensure_page(page, result.pages)
    return Reply([timeline_card(ctx, result)], edit=edit)


def _last_page(ctx: Context, initiative_id: int) -> Card:
    """The page where what was just written appears."""
    return timeline_card(ctx, timeline(ctx.uow, initiative_id, ctx.reader_id, last=True))


@read_only
def timeline_command(ctx: Context, initiative: int, page: int | None) -> Reply:
    return show_timeline(ctx, initiative, (page or 1) - 1)


@read_only
def timeline_pressed(ctx: Context, args: list[str]) -> Reply:
    """``tl:<id>:<page>`` from the initiative's card opens a new message;
    ◀ ▶ add a third part, "e", and edit the page in place."""
    page = page_arg(args, 1) if len(args) > 1 else 0
    return show_timeline(ctx, int_arg(args), page, edit=args[2:3] == [_IN_PLACE])


# --- news and comments -----------------------------------------------------


def _ask_text(ctx: Context, flow_name: str, initiative_id: int) -> Reply:
    flows.begin(ctx.uow, ctx.member.id, flow_name, _STEP, {"initiative_id": initiative_id})
    return Reply(
        [
            Card(
                lines=(ctx.t(f"timeline.ask_{flow_name}", id=initiative_id),),
                actions=(Action(ctx.t("button.cancel"), build("px"), row=9),),
                kind=CardKind.PROMPT,
            )
        ]
    )


def _publish_post(ctx: Context, initiative_id: int, text: str, *, from_flow: str | None = None) -> Reply:
    result = contributions.post_news(
        ctx.uow, ctx.member.id, initiative_id, text, ctx.settings, from_flow=from_flow
    )
    key = "timeline.posted_notified" if result.notify else "timeline.posted_quiet"
    done = Card(
        lines=(ctx.t(key, id=initiative_id, count=ctx.settings.news_interval_days),), kind=CardKind.SUCCESS
    )
    return Reply([done, _last_page(ctx, initiative_id)])


def _publish_comment(ctx: Context, initiative_id: int, text: str, *, from_flow: str | None = None) -> Reply:
    contributions.comment(ctx.uow, ctx.member.id, initiative_id, text, ctx.settings, from_flow=from_flow)
    done = Card(lines=(ctx.t("timeline.commented", id=initiative_id),), kind=CardKind.SUCCESS)
    return Reply([done, _last_page(ctx, initiative_id)])


def post_command(ctx: Context, initiative: int, text: str | None) -> Reply:
    if text:
        return _publish_post(ctx, initiative, text)
    contributions.check_may_post(ctx.uow, ctx.member.id, initiative)
    return _ask_text(ctx, POST_FLOW, initiative)


def post_pressed(ctx: Context, args: list[str]) -> Reply:
    initiative_id = int_arg(args)
    contributions.check_may_post(ctx.uow, ctx.member.id, initiative_id)
    return _ask_text(ctx, POST_FLOW, initiative_id)


def comment_command(ctx: Context, initiative: int, text: str | None) -> Reply:
    if text:
        return _publish_comment(ctx, initiative, text)
    contributions.check_may_comment(ctx.uow, ctx.member.id, initiative)
    return _ask_text(ctx, COMMENT_FLOW, initiative)


def comment_pressed(ctx: Context, args: list[str]) -> Reply:
    initiative_id = int_arg(args)
    contributions.check_may_comment(ctx.uow, ctx.member.id, initiative_id)
    return _ask_text(ctx, COMMENT_FLOW, initiative_id)


def _flow_initiative(conversation: Conversation) -> int:
    if conversation.step != _STEP:
        raise StaleAction()
    try:
        return int(conversation.data["initiative_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StaleAction() from exc


def post_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return _publish_post(ctx, _flow_initiative(conversation), text, from_flow=_STEP)


def comment_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return _publish_comment(ctx, _flow_initiative(conversation), text, from_flow=_STEP)


def _with_text() -> tuple[Parameter, ...]:
    return (Parameter("initiative", Kind.INITIATIVE), Parameter("text", Kind.TEXT, required=False))


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "timeline",
        timeline_command,
        (Parameter("initiative", Kind.INITIATIVE), Parameter("page", Kind.PAGE, required=False)),
        order=25,
    ),
    CommandSpec("post", post_command, _with_text(), order=26),
    CommandSpec("comment", comment_command, _with_text(), order=27),
)
PRESSES: dict[str, PressHandler] = {
    "tl": timeline_pressed,
    "tn": post_pressed,
    "tc": comment_pressed,
}
FLOWS: dict[str, TextHandler] = {POST_FLOW: post_text, COMMENT_FLOW: comment_text}
