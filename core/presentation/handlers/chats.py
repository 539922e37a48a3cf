"""Chats with a purpose, and moving a conversation to a private chat.

- /modchat, typed by an admin in a group, makes it the platform's moderators'
  group (where the review queue arrives).
- A command that needs privacy (CommandSpec.private: /propose, /report...)
  typed in a group answers with one button that opens the private chat; the
  button carries a start token that /start runs there.

Start tokens (Telegram's deep-link parameter: at most 64 characters of
``A-Za-z0-9_-``): ``i42`` opens initiative 42 (see basics.start);
``report-i-42`` runs ``/report i 42``; ``p-r-i-42`` presses ``v1:r:i:42``.
"""

from __future__ import annotations

import re

from core.errors import InvalidInput, StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import Audience, CommandSpec, PressHandler, TextHandler
from core.presentation.context import Context
from core.presentation.handlers.common import notice
from core.presentation.payloads import VERSION, parse
from core.services import platform_chats

__all__ = ["handover", "press_token", "run_start_token", "start_token"]

#: What a start token may hold (Telegram's deep-link parameter).
TOKEN_MAX = 64
_TOKEN_PART = re.compile(r"^[A-Za-z0-9_]+$")
PRESS_PREFIX = "p"


def start_token(name: str, args: str = "") -> str:
    """``/report i 42`` -> ``report-i-42``; arguments that do not fit a token
    (spaces inside words, accents, too long) are left out: the flow asks for them."""
    words = args.split()
    token = "-".join([name, *words])
    if words and (len(token) > TOKEN_MAX or not all(_TOKEN_PART.match(w) for w in words)):
        return name
    return token


def press_token(payload: str) -> str | None:
    """``v1:r:i:42`` -> ``p-r-i-42``, or None when the payload does not fit a token."""
    parts = payload.split(":")
    if parts[0] != VERSION or len(parts) < 2:
        return None
    token = "-".join([PRESS_PREFIX, *parts[1:]])
    if len(token) > TOKEN_MAX or not all(_TOKEN_PART.match(p) for p in parts[1:]):
        return None
    return token


def run_start_token(ctx: Context, token: str) -> Reply | None:
    """What /start does with a token made by start_token or press_token; None
    when the token is not one of those (the welcome is shown instead)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    head, *rest = token.split("-")
    if head == PRESS_PREFIX and rest:
        # A press replayed in private: authorised again like any press.
        verb, args = parse(":".join([VERSION, *rest]))
        handler = ctx.catalog.presses.get(verb)
        if handler is None:
            raise StaleAction()
        return handler(ctx, args)
    spec = ctx.catalog.commands.get(head)
    if spec is None or not spec.private:
        return None
    return ctx.catalog.run_text(ctx, spec, " ".join(rest))


def handover(ctx: Context, name: str, args: str) -> Reply:
    """The answer to a private command typed in a group: one button to the private chat."""
    link = ctx.speaker.private_link
    if link is None:
        return notice(ctx.t("chats.handover_no_link", name=name), CardKind.INFO)
    action = Action(
        ctx.t("chats.button.private"), url=link + start_token(name, args), style=ActionStyle.PRIMARY
    )
    return Reply([Card(lines=(ctx.t("chats.handover", name=name),), actions=(action,))])


def modchat(ctx: Context) -> Reply:
    """Typed in a group by an admin: the review queue arrives there."""
    address = ctx.speaker.chat_address
    if not ctx.speaker.in_group or not address:
        raise InvalidInput("error.chats_group_only")
    platform_chats.set_chat(
        ctx.uow, ctx.member.id, ctx.speaker.identity.platform, platform_chats.MODERATORS, address
    )
    return notice(ctx.t("chats.modchat_set"))


COMMANDS: tuple[CommandSpec, ...] = (CommandSpec("modchat", modchat, audience=Audience.ADMIN, order=95),)
PRESSES: dict[str, PressHandler] = {}
FLOWS: dict[str, TextHandler] = {}
