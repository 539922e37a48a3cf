"""/quiet: quiet hours, when instant alerts wait until morning.

Button: ``qh:<HHMM>:<HHMM>`` sets them, ``qh:off`` removes them.
"""

from __future__ import annotations

from core.domain.deliveries import format_quiet
from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler
from core.presentation.context import Context
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build
from core.services import quiet_hours

__all__ = ["quiet_card"]

_PRESETS = (("22:00", "08:00"), ("21:00", "07:00"), ("23:00", "09:00"))


def quiet_card(ctx: Context, start: str, end: str, *, changed: bool = False) -> Card:
    t = ctx.t
    shown = format_quiet(start, end)
    line = t("notifications.quiet.on", start=start, end=end, zone=ctx.member.time_zone) if shown else None
    actions = [
        Action(f"{a}–{b}", build("qh", a.replace(":", ""), b.replace(":", "")), row=0)
        for a, b in _PRESETS
        if (a, b) != (start, end)
    ]
    if shown:
        actions.append(
            Action(t("notifications.quiet.button_off"), build("qh", "off"), ActionStyle.SECONDARY, row=1)
        )
    return Card(
        title=t("notifications.quiet.title"),
        lines=(line or t("notifications.quiet.off"), t("notifications.quiet.hint")),
        actions=tuple(actions),
        kind=CardKind.SUCCESS if changed else CardKind.INFO,
        ref="quiet",
    )


def quiet_command(ctx: Context, hours: str | None) -> Reply:
    spec = hours
    start, end = quiet_hours.set_quiet_hours(ctx.uow, ctx.member.id, spec)
    return Reply([quiet_card(ctx, start, end, changed=spec is not None)])


def quiet_pressed(ctx: Context, args: list[str]) -> Reply:
    if args == ["off"]:
        spec = "off"
    elif len(args) == 2 and all(len(a) == 4 and a.isascii() and a.isdigit() for a in args):
        spec = f"{args[0][:2]}:{args[0][2:]}-{args[1][:2]}:{args[1][2:]}"
    else:
        raise StaleAction()
    start, end = quiet_hours.set_quiet_hours(ctx.uow, ctx.member.id, spec)
    return Reply([quiet_card(ctx, start, end, changed=True)], edit=True)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("quiet", quiet_command, (Parameter("hours", Kind.TEXT, required=False),), order=44),
)
PRESSES: dict[str, PressHandler] = {"qh": quiet_pressed}
FLOWS: dict[str, TextHandler] = {}
