"""Initiatives: /propose (guided), /show, /join, /volunteer, /withdraw,
/counter, /progress, sharing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from core.domain.flows import Conversation
from core.domain.initiatives import Status, Visibility
from core.domain.supports import SupportKind
from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.areas import area_label
from core.presentation.handlers.common import notice
from core.presentation.parameters import Kind, Parameter, match_choice
from core.presentation.payloads import build, int_arg
from core.services import areas, flows, initiatives, supports
from core.services.initiatives import InitiativeView, Proposal

__all__ = ["LIVE_STAGES", "initiative_card", "initiative_url", "live_stage", "show_initiative"]

DESCRIPTION_IN_CARD = 700


def initiative_url(ctx: Context, initiative_id: int) -> str:
    return ctx.settings.public_url(f"/i/{initiative_id}")


#: The stages an initiatives' channel shows (as a Discord forum's tags).
LIVE_STAGES = (
    Status.OPEN,
    Status.GOAL_REACHED,
    Status.ANSWERED,
    Status.IN_ACTION,
    Status.ACHIEVED,
    Status.CLOSED,
)


def live_stage(view: InitiativeView) -> str:
    """The stage shown for an initiative: its status, withdrawn and expired
    ones shown as closed."""
    status = Status(view.status)
    return status.value if status in LIVE_STAGES else Status.CLOSED.value


def initiative_card(ctx: Context, view: InitiativeView) -> Card:
    """The initiative with the buttons the speaker may press; in a group, the
    buttons anyone may press (never "Withdraw my support" or "Unfollow")."""
    t = ctx.t
    if ctx.shared:
        view = replace(view, viewer_support=None, viewer_follows=False)
        view = replace(view, viewer_is_author=False, viewer_is_official_here=False)
    description = view.description
    if len(description) > DESCRIPTION_IN_CARD:
        description = description[: DESCRIPTION_IN_CARD - 1].rstrip() + "…"
    lines = [description]
    if view.visibility == Visibility.HIDDEN.value:
        lines.insert(0, t("initiative.hidden_notice"))
    lines.append(t("initiative.progress", supporters=view.supporters, goal=view.goal, count=view.supporters))
    if view.volunteers:
        lines.append(t("initiative.volunteers", count=view.volunteers))
    if view.awaiting_response_days is not None:
        lines.append(t("initiative.awaiting_response", count=view.awaiting_response_days))
    if view.counter_to:
        lines.append(t("initiative.counter_to", id=view.counter_to[0], title=view.counter_to[1]))
    for cid, ctitle in view.counters:
        lines.append(t("initiative.countered_by", id=cid, title=ctitle))
    if view.responses:
        lines.append(t("initiative.responses", count=view.responses))
    fields = (
        t.field(t("field.status"), t(f"status.{view.status}")),
        t.field(t("field.area"), view.area_name),
        t.field(t("field.topic"), t(f"topic.{view.topic}")),
        t.field(t("field.author"), t.member_name(view.author_name)),
    )
    actions: list[Action] = []
    open_to_support = Status(view.status).accepts_support and view.visibility == Visibility.VISIBLE.value
    if open_to_support and view.viewer_support is None:
        actions.append(Action(t("button.join"), build("j", view.id), ActionStyle.PRIMARY, row=0))
    if open_to_support and view.viewer_support != SupportKind.VOLUNTEER.value:
        actions.append(Action(t("button.volunteer"), build("v", view.id), ActionStyle.SUCCESS, row=0))
    if view.viewer_support == SupportKind.SUPPORTER.value or (
        view.viewer_support and not view.viewer_is_author
    ):
        actions.append(Action(t("button.withdraw_support"), build("w", view.id), row=0))
    actions.append(
        Action(
            t("button.unfollow") if view.viewer_follows else t("button.follow"),
            build("uf" if view.viewer_follows else "fo", "i", view.id),
            row=1,
        )
    )
    if open_to_support and not view.viewer_is_author:
        actions.append(Action(t("button.counter"), build("c", view.id), row=1))
    actions.append(Action(t("button.timeline"), build("tl", view.id, 0), row=1))
    if view.responses:
        actions.append(Action(t("button.responses", count=view.responses), build("ov", view.id), row=2))
    if view.viewer_is_official_here and not Status(view.status).is_final:
        actions.append(Action(t("button.respond"), build("or", view.id), ActionStyle.PRIMARY, row=2))
    if view.viewer_may_edit and not ctx.speaker.in_group:
        # The author's own button: never on a card that a group shares.
        actions.append(Action(t("button.edit"), build("ei", view.id), row=2))
    actions.append(Action(t("button.share"), build("sh", view.id), row=2))
    actions.append(Action(t("button.report"), build("r", "i", view.id), ActionStyle.DANGER, row=2))
    return Card(
        title=f"#{view.id} · {view.title}",
        lines=tuple(lines),
        fields=fields,
        actions=tuple(actions),
        footer=t("initiative.footer", created=view.created_at),
        ref=f"initiative:{view.id}",
    )


def show_initiative(ctx: Context, initiative_id: int, *, edit: bool = False) -> Reply:
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    return Reply([initiative_card(ctx, view)], edit=edit)


@read_only
def show(ctx: Context, initiative: int) -> Reply:
    return show_initiative(ctx, initiative)


@read_only
def show_pressed(ctx: Context, args: list[str]) -> Reply:
    return show_initiative(ctx, int_arg(args))


def _support(ctx: Context, initiative_id: int, kind: SupportKind) -> Reply:
    result = supports.support(ctx.uow, ctx.member.id, initiative_id, kind)
    key = "support.volunteered" if kind is SupportKind.VOLUNTEER else "support.joined"
    lines = [
        ctx.t(key, id=initiative_id, supporters=result.supporters, goal=result.goal, count=result.supporters)
    ]
    if result.goal_reached:
        lines.append(ctx.t("support.goal_reached", goal=result.goal))
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    return Reply([Card(lines=tuple(lines), kind=CardKind.SUCCESS), initiative_card(ctx, view)])


def join(ctx: Context, initiative: int) -> Reply:
    return _support(ctx, initiative, SupportKind.SUPPORTER)


def join_pressed(ctx: Context, args: list[str]) -> Reply:
    return _support(ctx, int_arg(args), SupportKind.SUPPORTER)


def volunteer(ctx: Context, initiative: int) -> Reply:
    return _support(ctx, initiative, SupportKind.VOLUNTEER)


def volunteer_pressed(ctx: Context, args: list[str]) -> Reply:
    return _support(ctx, int_arg(args), SupportKind.VOLUNTEER)


def _withdraw(ctx: Context, initiative_id: int) -> Reply:
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    if view.viewer_is_author:
        initiatives.check_withdrawable(ctx.uow, ctx.member.id, initiative_id)
        return Reply(
            [
                Card(
                    lines=(ctx.t("withdraw.confirm_initiative", id=initiative_id, title=view.title),),
                    actions=(
                        Action(
                            ctx.t("button.withdraw_initiative"),
                            build("wi", initiative_id),
                            ActionStyle.DANGER,
                        ),
                        Action(ctx.t("button.keep"), build("s", initiative_id)),
                    ),
                    kind=CardKind.PROMPT,
                )
            ]
        )
    remaining = supports.withdraw_support(ctx.uow, ctx.member.id, initiative_id)
    return notice(ctx.t("support.withdrawn", id=initiative_id, count=remaining))


def withdraw(ctx: Context, initiative: int) -> Reply:
    return _withdraw(ctx, initiative)


def withdraw_pressed(ctx: Context, args: list[str]) -> Reply:
    return _withdraw(ctx, int_arg(args))


def withdraw_initiative_pressed(ctx: Context, args: list[str]) -> Reply:
    initiative_id = int_arg(args)
    initiatives.withdraw_initiative(ctx.uow, ctx.member.id, initiative_id)
    return Reply(
        [Card(lines=(ctx.t("withdraw.initiative_done", id=initiative_id),), kind=CardKind.SUCCESS)], edit=True
    )


def progress(ctx: Context, initiative: int, status: str) -> Reply:
    initiatives.progress(ctx.uow, ctx.member.id, initiative, Status(status).value)
    return show_initiative(ctx, initiative)


def share_pressed(ctx: Context, args: list[str]) -> Reply:
    initiative_id = int_arg(args)
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    url = initiative_url(ctx, initiative_id)
    text = quote(f"{view.title} — {ctx.t('share.invite')}")
    link = quote(url, safe="")
    return Reply(
        [
            Card(
                title=ctx.t("share.title"),
                lines=(url,),
                actions=(
                    Action("Telegram", url=f"https://t.me/share/url?url={link}&text={text}", row=0),
                    Action("X", url=f"https://x.com/intent/post?url={link}&text={text}", row=0),
                    Action("Facebook", url=f"https://www.facebook.com/sharer/sharer.php?u={link}", row=1),
                    Action("WhatsApp", url=f"https://wa.me/?text={text}%20{link}", row=1),
                ),
            )
        ]
    )


# --- the guided proposal -------------------------------------------------

PROPOSE = "propose"


def _prompt(text: str, *actions: Action) -> Reply:
    return Reply([Card(lines=(text,), actions=tuple(actions), kind=CardKind.PROMPT)])


def _cancel_action(ctx: Context) -> Action:
    return Action(ctx.t("button.cancel"), build("px"), row=9)


def _begin(ctx: Context, title: str, counter_to: int | None) -> Reply:
    initiatives.check_may_propose(ctx.uow, ctx.member.id, ctx.settings, counter_to)
    data: dict[str, Any] = {"counter_to": counter_to}
    if title:
        data["title"] = initiatives.validate_title(title)
        flows.begin(ctx.uow, ctx.member.id, PROPOSE, "description", data)
        return _prompt(ctx.t("propose.ask_description"), _cancel_action(ctx))
    flows.begin(ctx.uow, ctx.member.id, PROPOSE, "title", data)
    key = "propose.ask_title_counter" if counter_to else "propose.ask_title"
    return _prompt(ctx.t(key, id=counter_to or 0), _cancel_action(ctx))


def propose(ctx: Context, title: str | None) -> Reply:
    return _begin(ctx, title or "", None)


def propose_pressed(ctx: Context, args: list[str]) -> Reply:
    return _begin(ctx, "", None)


def counter(ctx: Context, initiative: int) -> Reply:
    return _begin(ctx, "", initiative)


def counter_pressed(ctx: Context, args: list[str]) -> Reply:
    return counter(ctx, int_arg(args))


def _area_choices(ctx: Context, query: str) -> Reply:
    with ctx.uow as uow:
        # Labelled with what contains each area: France has twelve Sainte-Colombe.
        found = areas.area_views(uow, areas.search_areas(uow, query, limit=8))
        national = areas.national_area(uow)
    actions = [
        Action(area_label(ctx, view), build("pa", view.id), row=i, choice=True)
        for i, view in enumerate(found)
    ]
    if not any(a.id == national.id for a in found):
        actions.append(Action(ctx.t("propose.national"), build("pa", national.id), row=8, choice=True))
    actions.append(_cancel_action(ctx))
    text = ctx.t("propose.pick_area") if found else ctx.t("propose.no_area", query=query)
    return _prompt(text, *actions)


def _ask_area(ctx: Context) -> Reply:
    with ctx.uow as uow:
        national = areas.national_area(uow)
    return _prompt(
        ctx.t("propose.ask_area"),
        Action(ctx.t("propose.national"), build("pa", national.id), row=0),
        _cancel_action(ctx),
    )


def propose_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    step = conversation.step
    if step == "title":
        title = initiatives.validate_title(text)
        flows.update(ctx.uow, ctx.member.id, PROPOSE, ("title",), "description", {"title": title})
        return _prompt(ctx.t("propose.ask_description"), _cancel_action(ctx))
    if step == "description":
        description = initiatives.validate_description(text)
        flows.update(ctx.uow, ctx.member.id, PROPOSE, ("description",), "area", {"description": description})
        return _ask_area(ctx)
    if step == "area":
        # The prompt offers "National": typing its word chooses it too.
        if match_choice(_NATIONAL, text) is not None:
            with ctx.uow as uow:
                national = areas.national_area(uow)
            assert national.id is not None
            return _area_chosen(ctx, national.id)
        return _area_choices(ctx, text)
    if step == "topic":
        return _topic_choices(ctx)
    if step == "confirm":
        return _prompt(ctx.t("propose.use_buttons"))
    raise StaleAction()


def _topic_choices(ctx: Context) -> Reply:
    actions = [
        Action(ctx.t(f"topic.{topic}"), build("pt", i), row=i // 2, choice=True)
        for i, topic in enumerate(ctx.settings.topics)
    ]
    return _prompt(ctx.t("propose.ask_topic"), *actions, _cancel_action(ctx))


def _area_chosen(ctx: Context, area_id: int) -> Reply:
    with ctx.uow as uow:
        areas.get_area(uow, area_id)
    flows.update(ctx.uow, ctx.member.id, PROPOSE, ("area",), "topic", {"area_id": area_id})
    return _topic_choices(ctx)


def area_pressed(ctx: Context, args: list[str]) -> Reply:
    return _area_chosen(ctx, int_arg(args))


def topic_pressed(ctx: Context, args: list[str]) -> Reply:
    index = int_arg(args)
    if index >= len(ctx.settings.topics):
        raise StaleAction()
    conversation = flows.update(
        ctx.uow, ctx.member.id, PROPOSE, ("topic",), "confirm", {"topic": ctx.settings.topics[index]}
    )
    return _confirm_card(ctx, conversation.data)


def _confirm_card(ctx: Context, data: dict[str, Any]) -> Reply:
    t = ctx.t
    with ctx.uow as uow:
        area = areas.get_area(uow, int(data["area_id"]))
    lines = [t("propose.summary"), t("quote", text=data["title"]), data["description"]]
    similar = initiatives.similar_open(
        ctx.uow, data["title"], int(data["area_id"]), ctx.settings.duplicate_similarity
    )
    actions = []
    if similar:
        lines.append(t("propose.similar"))
        for i, item in enumerate(similar):
            lines.append(f"#{item.id} · {item.title}")
            actions.append(Action(f"#{item.id}", build("s", item.id), row=1 + i // 4))
    fields = (t.field(t("field.area"), area.name), t.field(t("field.topic"), t(f"topic.{data['topic']}")))
    publish_key = "button.publish_anyway" if similar else "button.publish"
    actions.insert(0, Action(t(publish_key), build("pc"), ActionStyle.PRIMARY, row=0))
    actions.insert(1, Action(t("button.cancel"), build("px"), row=0))
    return Reply([Card(lines=tuple(lines), fields=fields, actions=tuple(actions), kind=CardKind.PROMPT)])


def confirm_pressed(ctx: Context, args: list[str]) -> Reply:
    conversation = flows.current(ctx.uow, ctx.member.id)
    if conversation is None or conversation.flow != PROPOSE or conversation.step != "confirm":
        raise StaleAction()
    data = conversation.data
    proposal = Proposal(
        title=data["title"],
        description=data["description"],
        area_id=int(data["area_id"]),
        topic=data["topic"],
        counter_to_id=data.get("counter_to"),
    )
    initiative_id = initiatives.propose(ctx.uow, ctx.member.id, proposal, ctx.settings, from_flow="confirm")
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    done = Card(lines=(ctx.t("propose.published", id=initiative_id),), kind=CardKind.SUCCESS)
    return Reply([done, initiative_card(ctx, view)], edit=True)


#: "national" typed at the area step, in either language.
_NATIONAL = Parameter("area_national", Kind.CHOICE, choices=("national",), group="area")


def _initiative() -> tuple[Parameter, ...]:
    return (Parameter("initiative", Kind.INITIATIVE),)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "propose",
        propose,
        (Parameter("title", Kind.TEXT, required=False),),
        private=True,
        order=10,
    ),
    CommandSpec("show", show, _initiative(), order=20),
    CommandSpec("join", join, _initiative(), order=21),
    CommandSpec("volunteer", volunteer, _initiative(), order=22),
    CommandSpec("withdraw", withdraw, _initiative(), order=23),
    CommandSpec("counter", counter, _initiative(), private=True, order=24),
    CommandSpec(
        "progress",
        progress,
        (
            Parameter("initiative", Kind.INITIATIVE),
            Parameter(
                "status",
                Kind.CHOICE,
                choices=(Status.IN_ACTION.value, Status.ACHIEVED.value),
                group="progress",
            ),
        ),
        order=28,
    ),
)
PRESSES: dict[str, PressHandler] = {
    "s": show_pressed,
    "j": join_pressed,
    "v": volunteer_pressed,
    "w": withdraw_pressed,
    "wi": withdraw_initiative_pressed,
    "sh": share_pressed,
    "np": propose_pressed,
    "c": counter_pressed,
    "pa": area_pressed,
    "pt": topic_pressed,
    "pc": confirm_pressed,
}
FLOWS: dict[str, TextHandler] = {PROPOSE: propose_text}
