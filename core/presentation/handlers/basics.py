"""/start, /help, /lang, /timezone, /cancel."""

from __future__ import annotations

from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.commands import command, press, visible_commands
from core.presentation.context import Context
from core.presentation.handlers.chats import run_start_token
from core.presentation.handlers.common import notice
from core.presentation.handlers.initiatives import show_initiative
from core.presentation.payloads import build
from core.services import flows, members

__all__ = ["help_card"]


@command("start", order=0)
def start(ctx: Context, args: str) -> Reply:
    """Welcome; a deep link ``start i42`` opens initiative 42, and the tokens of
    chats.start_token / chats.press_token go on with what was begun in a group."""
    token = args.strip()
    if token.startswith("i") and token[1:].isdigit():
        return show_initiative(ctx, int(token[1:]))
    continued = run_start_token(ctx, token)
    if continued is not None:
        return continued
    card = Card(
        title=ctx.t("start.title"),
        lines=(ctx.t("start.body", name=ctx.member.display_name), ctx.t("start.next")),
        actions=(
            Action(ctx.t("button.browse"), build("pg", "new", "0", "0"), row=0),
            Action(ctx.t("button.propose"), build("np"), row=0),
            Action(ctx.t("button.help"), build("hp"), row=1),
        ),
    )
    return Reply([card])


def help_card(ctx: Context) -> Card:
    lines = []
    for spec in visible_commands(ctx.member.roles):
        args = f" {ctx.t(spec.args)}" if spec.args else ""
        lines.append(f"/{spec.name}{args} — {ctx.t(spec.help_key)}")
    return Card(title=ctx.t("help.title"), lines=tuple(lines))


@command("help", order=1)
def help_command(ctx: Context, args: str) -> Reply:
    return Reply([help_card(ctx)])


@press("hp")
def help_pressed(ctx: Context, args: list[str]) -> Reply:
    return Reply([help_card(ctx)])


@command("lang", args="args.language", order=90)
def lang(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return Reply(
            [
                Card(
                    lines=(ctx.t("lang.choose"),),
                    actions=(Action("Français", build("lg", "fr")), Action("English", build("lg", "en"))),
                    kind=CardKind.PROMPT,
                )
            ]
        )
    language = members.set_language(ctx.uow, ctx.member.id, args)
    return notice(ctx.t.__class__(language)("lang.set"))


@press("lg")
def lang_pressed(ctx: Context, args: list[str]) -> Reply:
    if not args:
        return lang(ctx, "")
    return lang(ctx, args[0])


@command("timezone", args="args.time_zone", order=91)
def timezone(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return notice(ctx.t("timezone.current", zone=ctx.member.time_zone), CardKind.INFO)
    zone = members.set_time_zone(ctx.uow, ctx.member.id, args)
    return notice(ctx.t("timezone.set", zone=zone))


@command("cancel", order=92)
def cancel(ctx: Context, args: str) -> Reply:
    if flows.cancel(ctx.uow, ctx.member.id):
        return notice(ctx.t("flow.cancelled"))
    return notice(ctx.t("flow.nothing_to_cancel"), CardKind.INFO)


@press("px")
def cancel_pressed(ctx: Context, args: list[str]) -> Reply:
    reply = cancel(ctx, "")
    reply.edit = True
    return reply
