"""Chats with a purpose, and moving a conversation to a private chat.

- /modchat, typed by an admin in a group, makes it the platform's moderators'
  group (where the review queue arrives); /forumchat makes a channel the
  initiatives' channel, where each new initiative's card is posted and kept
  up to date (a Discord forum: a post per initiative, its stage as a tag).
- A command that needs privacy (CommandSpec.private: /propose, /report...)
  typed in a group answers with one button that opens the private chat; a
  button pressed in a group whose answer waits for typing goes on there too.

The link to the private chat (Telegram's deep link ``?start=<parameter>``)
carries a hand-over token minted by core.services.handovers for that member
and that action, never the action: anyone may post a link, and opening it
acts for nobody. /start with the token shows what was begun, to the member it
was minted for only, with a button that confirms it; the confirmation uses the
token up and does the action, authorised again like any other.
"""

from __future__ import annotations

from core.errors import InvalidInput, StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import Audience, CommandSpec, PressHandler, TextHandler
from core.presentation.context import Context
from core.presentation.handlers.common import notice
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, parse
from core.services import areas, handovers, platform_chats
from core.services.handovers import Handover, HandoverKind

__all__ = ["TOKEN_PREFIX", "hand_over_press", "handover", "run_start_token"]

#: A start parameter that is a hand-over token: ``t`` + the token (URL-safe
#: base64, within Telegram's 64 characters of ``A-Za-z0-9_-``).
TOKEN_PREFIX = "t"
TOKEN_MAX = 64
#: The verb of the button that confirms a hand-over in private.
CONFIRM = "hc"


def hand_over_press(ctx: Context, payload: str, label: str | None = None) -> str:
    """The start parameter that lets the speaker go on in private with the
    button ``payload`` they pressed in a group (and saw as ``label``)."""
    verb, _ = parse(payload)
    if verb not in ctx.catalog.presses or verb == CONFIRM:
        raise StaleAction()
    token = handovers.mint(ctx.uow, ctx.member.id, Handover(HandoverKind.PRESS, payload, label=label))
    return TOKEN_PREFIX + token


def run_start_token(ctx: Context, parameter: str) -> Reply | None:
    """What /start does with a hand-over parameter: show what was begun in the
    group, for the member to confirm. None when it is not a hand-over (the
    welcome is shown instead); an error when it is someone else's, used or expired."""
    if not parameter.startswith(TOKEN_PREFIX) or len(parameter) > TOKEN_MAX:
        return None
    token = parameter[len(TOKEN_PREFIX) :]
    begun = handovers.check(ctx.uow, ctx.member.id, token)
    if begun.kind is HandoverKind.COMMAND:
        what = f"/{begun.action} {begun.args}".strip()
        line = ctx.t("chats.confirm_command", command=what)
    elif begun.label:
        line = ctx.t("chats.confirm_press", label=begun.label)
    else:
        line = ctx.t("chats.confirm_press_unnamed")
    action = Action(ctx.t("chats.button.confirm"), build(CONFIRM, token), ActionStyle.PRIMARY)
    return Reply([Card(lines=(line,), actions=(action,), kind=CardKind.INFO)])


def confirmed(ctx: Context, args: list[str]) -> Reply:
    """The member confirms in private what they began in a group: the token is
    used up, then the command or press runs, authorised again as always."""
    if len(args) != 1:
        raise StaleAction()
    begun = handovers.redeem(ctx.uow, ctx.member.id, args[0])
    if begun.kind is HandoverKind.COMMAND:
        spec = ctx.catalog.commands.get(begun.action)
        if spec is None or not spec.private:
            raise StaleAction()
        return ctx.catalog.run_text(ctx, spec, begun.args)
    verb, payload_args = parse(begun.action)
    handler = ctx.catalog.presses.get(verb)
    if handler is None or verb == CONFIRM:
        raise StaleAction()
    return handler(ctx, payload_args)


def handover(ctx: Context, name: str, args: str) -> Reply:
    """The answer to a private command typed in a group: one button to the private chat."""
    link = ctx.speaker.private_link
    if link is None:
        return notice(ctx.t("chats.handover_no_link", name=name), CardKind.INFO)
    token = handovers.mint(ctx.uow, ctx.member.id, Handover(HandoverKind.COMMAND, name, args))
    action = Action(ctx.t("chats.button.private"), url=link + TOKEN_PREFIX + token, style=ActionStyle.PRIMARY)
    return Reply([Card(lines=(ctx.t("chats.handover", name=name),), actions=(action,))])


def modchat(ctx: Context) -> Reply:
    """Typed in a group by an admin: the review queue arrives there."""
    address = ctx.speaker.chat_address
    if not ctx.speaker.in_group or not address:
        raise InvalidInput("error.chats_group_only")
    platform_chats.set_chat(
        ctx.uow, ctx.member.id, ctx.speaker.identity.platform, platform_chats.MODERATORS, address
    )
    reply = notice(ctx.t("chats.modchat_set"))
    reply.commands_changed = True  # the group's menu now lists the moderators' tools
    return reply


def forumchat(ctx: Context, area: int | None) -> Reply:
    """Typed in a channel by an admin (on Discord, naming a forum): each new
    initiative (of ``area`` and the areas inside it, when given) gets a post
    there whose card follows it."""
    address = ctx.speaker.chat_address
    if not ctx.speaker.in_group or not address:
        raise InvalidInput("error.chats_group_only")
    platform_chats.set_chat(
        ctx.uow, ctx.member.id, ctx.speaker.identity.platform, platform_chats.INITIATIVES, address, area
    )
    if area is None:
        return notice(ctx.t("chats.forumchat_set"))
    with ctx.uow as uow:
        name = areas.get_area(uow, area).name
    return notice(ctx.t("chats.forumchat_set_area", area=name))


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("modchat", modchat, audience=Audience.ADMIN, order=95),
    CommandSpec(
        "forumchat",
        forumchat,
        (Parameter("area", Kind.AREA, required=False),),
        audience=Audience.ADMIN,
        order=96,
    ),
)
PRESSES: dict[str, PressHandler] = {CONFIRM: confirmed}
FLOWS: dict[str, TextHandler] = {}
