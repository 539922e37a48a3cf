"""/start, /help, /lang, /timezone, /cancel."""

from __future__ import annotations

from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.chats import run_start_token
from core.presentation.handlers.common import notice
from core.presentation.handlers.initiatives import show_initiative
from core.presentation.parameters import Kind, Parameter, parse_id
from core.presentation.payloads import build
from core.services import flows, members

__all__ = ["help_card"]


@read_only
def start(ctx: Context, token: str | None) -> Reply:
    """Welcome; a deep link ``start i42`` opens initiative 42, and a hand-over
    token (chats.run_start_token) asks to confirm what was begun in a group."""
    token = token or ""
    if token.startswith("i"):
        initiative_id = parse_id(token[1:], "error.initiative_not_found")
        if initiative_id is not None:
            return show_initiative(ctx, initiative_id)
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
    for spec in ctx.catalog.visible_commands(ctx.member.roles):
        shown = ctx.speaker.command_shown(spec.name)
        lines.append(f"{spec.usage(ctx.language, shown)} — {ctx.t(spec.help_key)}")
    lines.extend(f"/{name} — {ctx.t(f'help.{name}')}" for name in ctx.speaker.local_commands)
    return Card(title=ctx.t("help.title"), lines=tuple(lines))


@read_only
def help_command(ctx: Context) -> Reply:
    return Reply([help_card(ctx)])


@read_only
def help_pressed(ctx: Context, args: list[str]) -> Reply:
    return Reply([help_card(ctx)])


def lang(ctx: Context, language: str | None) -> Reply:
    if language is None:
        return Reply(
            [
                Card(
                    lines=(ctx.t("lang.choose"),),
                    actions=(Action("Français", build("lg", "fr")), Action("English", build("lg", "en"))),
                    kind=CardKind.PROMPT,
                )
            ]
        )
    chosen = members.set_language(ctx.uow, ctx.member.id, language)
    return notice(ctx.t.__class__(chosen)("lang.set"))


def lang_pressed(ctx: Context, args: list[str]) -> Reply:
    if not args:
        return lang(ctx, None)
    return lang(ctx, args[0])


def timezone(ctx: Context, zone: str | None) -> Reply:
    if zone is None:
        return notice(ctx.t("timezone.current", zone=ctx.member.time_zone), CardKind.INFO)
    chosen = members.set_time_zone(ctx.uow, ctx.member.id, zone)
    return notice(ctx.t("timezone.set", zone=chosen))


def cancel(ctx: Context) -> Reply:
    if flows.cancel(ctx.uow, ctx.member.id):
        return notice(ctx.t("flow.cancelled"))
    return notice(ctx.t("flow.nothing_to_cancel"), CardKind.INFO)


def cancel_pressed(ctx: Context, args: list[str]) -> Reply:
    reply = cancel(ctx)
    reply.edit = True
    return reply


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "start",
        start,
        (Parameter("token", Kind.TEXT, required=False, hidden=True),),
        order=0,
    ),
    CommandSpec("help", help_command, order=1),
    CommandSpec(
        "lang",
        lang,
        (Parameter("language", Kind.CHOICE, required=False, choices=("fr", "en")),),
        order=90,
    ),
    CommandSpec(
        "timezone", timezone, (Parameter("zone", Kind.TEXT, required=False, max_length=64),), order=91
    ),
    CommandSpec("cancel", cancel, order=92),
)
PRESSES: dict[str, PressHandler] = {"hp": help_pressed, "lg": lang_pressed, "px": cancel_pressed}
FLOWS: dict[str, TextHandler] = {}
