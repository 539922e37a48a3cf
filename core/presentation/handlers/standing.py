"""/top: leaderboards (/me and /profile: handlers.profiles)."""

from __future__ import annotations

from core.presentation.cards import Action, Card, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import standing
from core.services.standing import Period

__all__: list[str] = []


def _board(ctx: Context, period: Period, area_id: int | None) -> Reply:
    board = standing.leaderboard(ctx.uow, period, area_id, ctx.member.id)
    t = ctx.t
    scope = board.area_name or t("standing.national")
    lines = [
        t("standing.entry", rank=e.rank, name=t.member_name(e.name), count=e.points) for e in board.entries
    ]
    if not lines:
        lines = [t("standing.empty")]
    # In a group the board is everyone's: no line or button of the speaker's own.
    if board.viewer and board.viewer not in board.entries and not ctx.shared:
        lines.append(t("standing.you", rank=board.viewer.rank, count=board.viewer.points))
    area_arg = area_id if area_id is not None else 0
    actions = tuple(
        Action(t(f"standing.period.{p.value}"), build("tp", p.value, area_arg), row=0)
        for p in Period
        if p is not period
    )
    if area_id is not None:
        actions += (Action(t("standing.national"), build("tp", period.value, 0), row=1),)
    elif ctx.member.home_area_id is not None and not ctx.shared:
        actions += (Action(t("standing.my_area"), build("tp", period.value, ctx.member.home_area_id), row=1),)
    title = t("standing.title", scope=scope, period=t(f"standing.period.{period.value}"))
    return Reply([Card(title=title, lines=tuple(lines), actions=actions, ref="leaderboard")])


@read_only
def top(ctx: Context, period: str | None, area: int | None) -> Reply:
    """/top [week|month|all] [AREA]: default this month, in the member's home area."""
    chosen = Period(period) if period else Period.MONTH
    return _board(ctx, chosen, area if area is not None else ctx.member.home_area_id)


@read_only
def top_pressed(ctx: Context, args: list[str]) -> Reply:
    try:
        period = Period(args[0])
    except (IndexError, ValueError):
        return _board(ctx, Period.MONTH, None)
    area_id = int_arg(args, 1) or None
    reply = _board(ctx, period, area_id)
    reply.edit = reply.shared = True
    return reply


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "top",
        top,
        (
            Parameter("period", Kind.CHOICE, required=False, choices=tuple(p.value for p in Period)),
            Parameter("area", Kind.AREA, required=False),
        ),
        order=60,
    ),
)
PRESSES: dict[str, PressHandler] = {"tp": top_pressed}
FLOWS: dict[str, TextHandler] = {}
