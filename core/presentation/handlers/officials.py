"""Officials: /claim, /respond (guided), /responses, /official, /officials.

Button verbs: ``or`` respond to an initiative, ``op`` a position in the
respond flow, ``oc`` publish the response, ``oa`` what awaits my response,
``ov`` the responses of an initiative, ``oo`` an official's record.
"""

from __future__ import annotations

from typing import Any

from core.domain.flows import Conversation
from core.domain.responses import OfficialRecord, Position
from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import Audience, CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import member_label
from core.presentation.i18n import Translator
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import flows, initiatives, officials
from core.services.area_ladder import AreaLadder
from core.services.officials import RESPOND_FLOW, ResponseView

__all__ = ["awaiting_reply", "response_card"]

#: Cards shown by /responses; an initiative rarely has more.
RESPONSES_SHOWN = 10

_POSITION_ICONS = {
    Position.SUPPORTS: "👍",
    Position.WILL_STUDY: "🔍",
    Position.DECLINES: "✋",
    Position.ALREADY_DONE: "✅",
}
_POSITIONS = list(Position)


def _position_label(ctx: Context, position: str) -> str:
    chosen = Position(position)
    return f"{_POSITION_ICONS[chosen]} {ctx.t(f'officials.position.{chosen.value}')}"


def response_card(ctx: Context, view: ResponseView) -> Card:
    """One official response, as everyone sees it."""
    t = ctx.t
    if view.edited:
        footer = t(
            "officials.response_footer_edited",
            created=view.created_at,
            updated=view.updated_at,
            count=view.revisions,
        )
    else:
        footer = t("officials.response_footer", created=view.created_at)
    official = t.member_name(view.official_name)
    return Card(
        title=_position_label(ctx, view.position),
        lines=(view.body,),
        fields=(
            t.field(
                t("officials.field.official"),
                t("officials.response_by", name=official, mandate=view.mandate_title),
            ),
            t.field(t("field.area"), view.area_name),
        ),
        actions=(
            Action(
                t("officials.button.record", name=official), build("oo", view.official_id), row=0
            ),
            Action(t("button.report"), build("r", "o", view.id), ActionStyle.DANGER, row=0),
        ),
        footer=footer,
        ref=f"response:{view.id}",
    )


# --- /claim ----------------------------------------------------------------


def claim(ctx: Context, code: str) -> Reply:
    claimed = officials.claim(ctx.uow, ctx.member.id, code)
    card = Card(
        lines=(ctx.t("officials.claimed", title=claimed.title, area=claimed.area_name),),
        actions=(Action(ctx.t("officials.button.awaiting"), build("oa")),),
        kind=CardKind.SUCCESS,
    )
    return Reply([card])


# --- /respond: the guided response -----------------------------------------


def awaiting_reply(ctx: Context) -> Reply:
    """What awaits the official's response, with a Respond button for each."""
    waiting = officials.awaiting_my_response(ctx.uow, ctx.member.id)
    if not waiting:
        return Reply(
            [Card(title=ctx.t("officials.awaiting_title"), lines=(ctx.t("officials.awaiting_none"),))]
        )
    lines = [ctx.t("officials.awaiting_hint")]
    actions = []
    for row, item in enumerate(waiting):
        lines.append(
            ctx.t(
                "officials.awaiting_line",
                id=item.initiative_id,
                title=item.title,
                area=item.area_name,
                count=item.waiting_days,
            )
        )
        actions.append(
            Action(
                ctx.t("officials.button.respond", id=item.initiative_id),
                build("or", item.initiative_id),
                row=row,
            )
        )
    return Reply([Card(title=ctx.t("officials.awaiting_title"), lines=tuple(lines), actions=tuple(actions))])


def _position_prompt(ctx: Context, data: dict[str, Any]) -> Reply:
    lines = [
        ctx.t(
            "officials.ask_position",
            id=data["initiative_id"],
            title=data["initiative_title"],
            mandate=data["mandate_title"],
        )
    ]
    if data.get("current_position"):
        lines.append(ctx.t("officials.will_replace", position=_position_label(ctx, data["current_position"])))
    actions = [
        Action(_position_label(ctx, position.value), build("op", index), row=index // 2)
        for index, position in enumerate(_POSITIONS)
    ]
    actions.append(Action(ctx.t("button.cancel"), build("px"), row=9))
    return Reply([Card(lines=tuple(lines), actions=tuple(actions), kind=CardKind.PROMPT)])


def _begin(ctx: Context, initiative_id: int) -> Reply:
    # Checked before the flow starts so a refusal comes at once; publishing checks again.
    target = officials.response_target(ctx.uow, ctx.member.id, initiative_id)
    data = {
        "initiative_id": target.initiative_id,
        "initiative_title": target.initiative_title,
        "mandate_title": target.mandate_title,
        "current_position": target.current_position,
    }
    flows.begin(ctx.uow, ctx.member.id, RESPOND_FLOW, "position", data)
    return _position_prompt(ctx, data)


def respond(ctx: Context, initiative: int | None) -> Reply:
    if initiative is None:
        return awaiting_reply(ctx)
    return _begin(ctx, initiative)


def respond_pressed(ctx: Context, args: list[str]) -> Reply:
    return _begin(ctx, int_arg(args))


@read_only
def awaiting_pressed(ctx: Context, args: list[str]) -> Reply:
    return awaiting_reply(ctx)


def position_pressed(ctx: Context, args: list[str]) -> Reply:
    index = int_arg(args)
    if index >= len(_POSITIONS):
        raise StaleAction()
    position = _POSITIONS[index].value
    flows.update(ctx.uow, ctx.member.id, RESPOND_FLOW, ("position", "text"), "text", {"position": position})
    cancel = Action(ctx.t("button.cancel"), build("px"))
    card = Card(
        lines=(ctx.t("officials.ask_text", position=_position_label(ctx, position)),),
        actions=(cancel,),
        kind=CardKind.PROMPT,
    )
    return Reply([card], edit=True)


def _preview(ctx: Context, data: dict[str, Any]) -> Reply:
    t = ctx.t
    card = Card(
        lines=(
            t("officials.preview", id=data["initiative_id"], title=data["initiative_title"]),
            data["text"],
        ),
        fields=(
            t.field(t("officials.field.position"), _position_label(ctx, data["position"])),
            t.field(t("officials.field.as"), data["mandate_title"]),
        ),
        actions=(
            Action(t("button.publish"), build("oc"), ActionStyle.PRIMARY, row=0),
            Action(t("button.cancel"), build("px"), row=0),
        ),
        kind=CardKind.PROMPT,
    )
    return Reply([card])


def respond_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    if conversation.step == "position":
        prompt = _position_prompt(ctx, conversation.data)
        return Reply([Card(lines=(ctx.t("officials.use_buttons"),), kind=CardKind.PROMPT), *prompt.cards])
    if conversation.step in ("text", "confirm"):
        body = officials.validate_response_text(text)
        updated = flows.update(
            ctx.uow, ctx.member.id, RESPOND_FLOW, ("text", "confirm"), "confirm", {"text": body}
        )
        return _preview(ctx, updated.data)
    raise StaleAction()


def publish_pressed(ctx: Context, args: list[str]) -> Reply:
    conversation = flows.current(ctx.uow, ctx.member.id)
    if conversation is None or conversation.flow != RESPOND_FLOW or conversation.step != "confirm":
        raise StaleAction()
    data = conversation.data
    initiative_id = int(data["initiative_id"])
    result = officials.respond(
        ctx.uow,
        ctx.member.id,
        initiative_id,
        data["position"],
        data["text"],
        ctx.settings,
        from_flow="confirm",
    )
    key = "officials.edited" if result.edited else "officials.published"
    views = officials.responses_for(ctx.uow, initiative_id, ctx.reader_id)
    done = Card(
        lines=(ctx.t(key, id=initiative_id),),
        actions=(
            Action(ctx.t("officials.button.responses", count=len(views)), build("ov", initiative_id), row=0),
            Action(ctx.t("officials.button.initiative", id=initiative_id), build("s", initiative_id), row=0),
        ),
        kind=CardKind.SUCCESS,
    )
    mine = [response_card(ctx, view) for view in views if view.id == result.response_id]
    return Reply([done, *mine], edit=True)


# --- /responses ------------------------------------------------------------


def _responses(ctx: Context, initiative_id: int) -> Reply:
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.reader_id)
    responses = officials.responses_for(ctx.uow, initiative_id, ctx.reader_id)
    lines = [] if responses else [ctx.t("officials.responses_none")]
    if len(responses) > RESPONSES_SHOWN:
        lines.append(ctx.t("officials.responses_more", count=len(responses) - RESPONSES_SHOWN))
    header = Card(
        title=ctx.t("officials.responses_title", id=initiative_id, title=view.title),
        lines=tuple(lines),
        actions=(Action(ctx.t("officials.button.initiative", id=initiative_id), build("s", initiative_id)),),
    )
    return Reply([header, *(response_card(ctx, r) for r in responses[:RESPONSES_SHOWN])])


@read_only
def responses(ctx: Context, initiative: int) -> Reply:
    return _responses(ctx, initiative)


@read_only
def responses_pressed(ctx: Context, args: list[str]) -> Reply:
    return _responses(ctx, int_arg(args))


# --- /official and /officials ------------------------------------------------


def _median(ctx: Context, record: OfficialRecord) -> str:
    if record.median_days is None:
        return ctx.t("officials.median_none")
    return ctx.t("officials.median_days", count=record.median_days)


def engagement_line(t: Translator, area: str, ladder: AreaLadder) -> str:
    """How engaged an area is: its members per rung over the last 90 days."""
    counts = {rung.value: n for rung, n in ladder.members.items()}
    if ladder.counted_at is None:
        return t("profiles.engagement_none", area=area)
    return t("profiles.engagement", area=area, **counts)


def _record_card(ctx: Context, member: int | str) -> Reply:
    t = ctx.t
    profile = officials.official_profile(ctx.uow, member)
    lines = [
        t("officials.mandate_line" if active else "officials.former_mandate_line", title=title, area=area)
        for title, area, active in profile.mandates
    ]
    lines.append(t("officials.record_explained"))
    for area, ladder in profile.engagement:
        lines.append(engagement_line(t, area, ladder))
    record = profile.record
    card = Card(
        title=t("officials.record_title", name=t.member_name(profile.name)),
        lines=tuple(lines),
        fields=(
            t.field(t("officials.field.answered"), t("officials.count", count=record.answered)),
            t.field(t("officials.field.pending"), t("officials.count", count=record.pending)),
            t.field(t("officials.field.median"), _median(ctx, record)),
        ),
        actions=(Action(t("officials.button.awaiting"), build("oa")),)
        if profile.member_id == ctx.member.id
        else (),
        ref=f"official:{profile.member_id}",
    )
    return Reply([card])


@read_only
def official(ctx: Context, member: int | None) -> Reply:
    return _record_card(ctx, member if member is not None else ctx.member.id)


@read_only
def official_pressed(ctx: Context, args: list[str]) -> Reply:
    return _record_card(ctx, int_arg(args))


@read_only
def officials_command(ctx: Context, area: int) -> Reply:
    t = ctx.t
    found = officials.officials_of_area(ctx.uow, f"#{area}")
    lines = []
    actions = []
    for row, item in enumerate(found.officials):
        lines.append(
            t(
                "officials.area_line",
                name=member_label(t, item.name, item.member_id),
                title=item.mandate_title,
                area=item.area_name,
                answered=item.record.answered,
                pending=item.record.pending,
                median=_median(ctx, item.record),
            )
        )
        actions.append(
            Action(
                t("officials.button.record", name=t.member_name(item.name)),
                build("oo", item.member_id),
                row=row,
            )
        )
    if not found.officials:
        lines.append(t("officials.area_none", area=found.area_name))
    if found.more:
        lines.append(t("officials.area_more", count=found.more))
    return Reply(
        [
            Card(
                title=t("officials.area_title", area=found.area_name),
                lines=tuple(lines),
                actions=tuple(actions),
            )
        ]
    )


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("responses", responses, (Parameter("initiative", Kind.INITIATIVE),), order=29),
    CommandSpec("claim", claim, (Parameter("code", Kind.TEXT),), private=True, order=70),
    CommandSpec(
        "respond",
        respond,
        (Parameter("initiative", Kind.INITIATIVE, required=False),),
        audience=Audience.OFFICIAL,
        private=True,
        order=71,
    ),
    CommandSpec("official", official, (Parameter("member", Kind.MEMBER, required=False),), order=72),
    CommandSpec("officials", officials_command, (Parameter("area", Kind.AREA),), order=73),
)
PRESSES: dict[str, PressHandler] = {
    "or": respond_pressed,
    "oa": awaiting_pressed,
    "op": position_pressed,
    "oc": publish_pressed,
    "ov": responses_pressed,
    "oo": official_pressed,
}
FLOWS: dict[str, TextHandler] = {RESPOND_FLOW: respond_text}
