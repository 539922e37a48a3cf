"""Authors editing what they wrote: /edit (an initiative's title and
description, until someone else joins), /editpost, /editcomment,
/deletecomment, and the former versions of a post or comment.

Like /propose, the edits ask for the new text in the next messages, in a
flow kept in the database.
"""

from __future__ import annotations

from core.domain.flows import Conversation
from core.domain.moderation import TargetType
from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.initiatives import show_initiative
from core.presentation.handlers.timeline import clip
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import editing, flows, initiatives
from core.services.editing import EDIT_COMMENT_FLOW, EDIT_INITIATIVE_FLOW, EDIT_POST_FLOW

__all__ = ["history_card"]

_TITLE, _DESCRIPTION, _TEXT = "title", "description", "text"

#: Payload letters of the two kinds of writing.
_LETTER = {TargetType.POST: "p", TargetType.COMMENT: "c"}
_KIND = {letter: kind for kind, letter in _LETTER.items()}
_FLOW = {TargetType.POST: EDIT_POST_FLOW, TargetType.COMMENT: EDIT_COMMENT_FLOW}


def _prompt(ctx: Context, text: str, *actions: Action) -> Reply:
    cancel = Action(ctx.t("button.cancel"), build("px"), row=9)
    return Reply([Card(lines=(text,), actions=(*actions, cancel), kind=CardKind.PROMPT)])


def _kind(args: list[str]) -> TargetType:
    kind = _KIND.get(args[0] if args else "")
    if kind is None:
        raise StaleAction()
    return kind


# --- an initiative's title and description --------------------------------


def _begin_initiative(ctx: Context, initiative_id: int) -> Reply:
    title, _description = editing.check_may_edit_initiative(ctx.uow, ctx.member.id, initiative_id)
    flows.begin(ctx.uow, ctx.member.id, EDIT_INITIATIVE_FLOW, _TITLE, {"initiative_id": initiative_id})
    return _prompt(
        ctx,
        ctx.t("edit.ask_title", id=initiative_id, title=title),
        Action(ctx.t("edit.button.keep_title"), build("ek"), row=0),
    )


def edit_command(ctx: Context, initiative: int) -> Reply:
    return _begin_initiative(ctx, initiative)


def edit_pressed(ctx: Context, args: list[str]) -> Reply:
    return _begin_initiative(ctx, int_arg(args))


def _flow_initiative(conversation: Conversation) -> int:
    try:
        return int(conversation.data["initiative_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StaleAction() from exc


def _ask_description(ctx: Context, initiative_id: int, title: str | None) -> Reply:
    # Checked before the flow moves on: a refusal leaves everything as it was.
    _title, description = editing.check_may_edit_initiative(ctx.uow, ctx.member.id, initiative_id)
    data = {"title": title} if title is not None else {}
    flows.update(ctx.uow, ctx.member.id, EDIT_INITIATIVE_FLOW, (_TITLE,), _DESCRIPTION, data)
    return _prompt(
        ctx,
        ctx.t("edit.ask_description", id=initiative_id, description=clip(description)),
        Action(ctx.t("edit.button.keep_description"), build("ek"), row=0),
    )


def _save(ctx: Context, conversation: Conversation, description: str | None) -> Reply:
    initiative_id = _flow_initiative(conversation)
    with ctx.uow as uow:
        current = initiatives.get_initiative(uow, initiative_id)
        title = str(conversation.data.get("title") or current.title)
        description = description if description is not None else current.description
    editing.edit_initiative(ctx.uow, ctx.member.id, initiative_id, title, description, from_flow=_DESCRIPTION)
    done = Card(lines=(ctx.t("edit.initiative_done", id=initiative_id),), kind=CardKind.SUCCESS)
    shown = show_initiative(ctx, initiative_id)
    return Reply([done, *shown.cards])


def edit_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
    initiative_id = _flow_initiative(conversation)
    if conversation.step == _TITLE:
        return _ask_description(ctx, initiative_id, initiatives.validate_title(text))
    if conversation.step == _DESCRIPTION:
        return _save(ctx, conversation, initiatives.validate_description(text))
    raise StaleAction()


def keep_pressed(ctx: Context, args: list[str]) -> Reply:
    """ "Keep the title" moves on to the description; "Keep the description" saves."""
    conversation = flows.current(ctx.uow, ctx.member.id)
    if conversation is None or conversation.flow != EDIT_INITIATIVE_FLOW:
        raise StaleAction()
    if conversation.step == _TITLE:
        return _ask_description(ctx, _flow_initiative(conversation), None)
    return _save(ctx, conversation, None)


# --- posts and comments ------------------------------------------------------


def _begin_writing(ctx: Context, kind: TargetType, target_id: int) -> Reply:
    editing.check_may_change(ctx.uow, ctx.member.id, kind, target_id)
    flows.begin(ctx.uow, ctx.member.id, _FLOW[kind], _TEXT, {"id": target_id})
    return _prompt(ctx, ctx.t(f"edit.ask_{kind.value}", id=target_id))


def _save_writing(
    ctx: Context, kind: TargetType, target_id: int, text: str, *, from_flow: str | None = None
) -> Reply:
    if kind is TargetType.POST:
        editing.edit_post(ctx.uow, ctx.member.id, target_id, text, from_flow=from_flow)
    else:
        editing.edit_comment(ctx.uow, ctx.member.id, target_id, text, from_flow=from_flow)
    done = Card(lines=(ctx.t(f"edit.{kind.value}_done", id=target_id),), kind=CardKind.SUCCESS)
    return Reply([done, history_card(ctx, kind, target_id)])


def edit_post_command(ctx: Context, post: int, text: str | None) -> Reply:
    if text:
        return _save_writing(ctx, TargetType.POST, post, text)
    return _begin_writing(ctx, TargetType.POST, post)


def edit_comment_command(ctx: Context, comment: int, text: str | None) -> Reply:
    if text:
        return _save_writing(ctx, TargetType.COMMENT, comment, text)
    return _begin_writing(ctx, TargetType.COMMENT, comment)


def edit_writing_pressed(ctx: Context, args: list[str]) -> Reply:
    """``ee:<p|c>:<id>``, the ✎ of a timeline entry."""
    return _begin_writing(ctx, _kind(args), int_arg(args, 1))


def _writing_text(kind: TargetType) -> TextHandler:
    def on_text(ctx: Context, conversation: Conversation, text: str) -> Reply:
        if conversation.step != _TEXT:
            raise StaleAction()
        try:
            target_id = int(conversation.data["id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StaleAction() from exc
        return _save_writing(ctx, kind, target_id, text, from_flow=_TEXT)

    return on_text


# --- deleting a comment -------------------------------------------------------


def _confirm_delete(ctx: Context, comment_id: int) -> Reply:
    initiative_id = editing.check_may_change(ctx.uow, ctx.member.id, TargetType.COMMENT, comment_id)
    return Reply(
        [
            Card(
                lines=(ctx.t("edit.confirm_delete", id=comment_id),),
                actions=(
                    Action(ctx.t("edit.button.delete"), build("dcy", comment_id), ActionStyle.DANGER),
                    Action(ctx.t("button.keep"), build("tl", initiative_id, 0)),
                ),
                kind=CardKind.PROMPT,
            )
        ]
    )


def delete_comment_command(ctx: Context, comment: int) -> Reply:
    return _confirm_delete(ctx, comment)


def delete_pressed(ctx: Context, args: list[str]) -> Reply:
    """``dc:<id>``, the 🗑 of a timeline entry: asks first."""
    return _confirm_delete(ctx, int_arg(args))


def delete_confirmed(ctx: Context, args: list[str]) -> Reply:
    comment_id = int_arg(args)
    initiative_id = editing.delete_comment(ctx.uow, ctx.member.id, comment_id)
    back = Action(ctx.t("button.timeline"), build("tl", initiative_id, 0))
    done = Card(lines=(ctx.t("edit.comment_deleted", id=comment_id),), actions=(back,), kind=CardKind.SUCCESS)
    return Reply([done], edit=True)


# --- former versions --------------------------------------------------------------


def history_card(ctx: Context, kind: TargetType, target_id: int) -> Card:
    """Every version of a post or comment, the current one first."""
    found = editing.history(ctx.uow, kind, target_id, ctx.member.id)
    t = ctx.t
    lines = []
    for n, (at, body) in enumerate(found.versions):
        key = "edit.history.current" if n == 0 else "edit.history.former"
        lines.append(f"{t(key, at=at)}\n{clip(body)}")
    return Card(
        title=t(f"edit.history.title_{kind.value}", id=target_id, author=t.member_name(found.author_name)),
        lines=tuple(lines),
        actions=(Action(t("button.timeline"), build("tl", found.initiative_id, 0)),),
        ref=f"history:{kind.value}:{target_id}",
    )


@read_only
def history_pressed(ctx: Context, args: list[str]) -> Reply:
    """``hv:<p|c>:<id>``, the 🕘 of an edited timeline entry."""
    return Reply([history_card(ctx, _kind(args), int_arg(args, 1))])


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("edit", edit_command, (Parameter("initiative", Kind.INITIATIVE),), private=True, order=29),
    CommandSpec(
        "editpost",
        edit_post_command,
        (Parameter("post", Kind.POST), Parameter("text", Kind.TEXT, required=False)),
        order=29,
    ),
    CommandSpec(
        "editcomment",
        edit_comment_command,
        (Parameter("comment", Kind.COMMENT), Parameter("text", Kind.TEXT, required=False)),
        order=29,
    ),
    CommandSpec(
        "deletecomment",
        delete_comment_command,
        (Parameter("comment", Kind.COMMENT),),
        private=True,  # its confirmation is the author's own card
        order=29,
    ),
)
PRESSES: dict[str, PressHandler] = {
    "ei": edit_pressed,
    "ek": keep_pressed,
    "ee": edit_writing_pressed,
    "dc": delete_pressed,
    "dcy": delete_confirmed,
    "hv": history_pressed,
}
FLOWS: dict[str, TextHandler] = {
    EDIT_INITIATIVE_FLOW: edit_text,
    EDIT_POST_FLOW: _writing_text(TargetType.POST),
    EDIT_COMMENT_FLOW: _writing_text(TargetType.COMMENT),
}
