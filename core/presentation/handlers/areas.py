"""/area: where the member lives, which decides what is "near" them."""

from __future__ import annotations

from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import notice
from core.presentation.parameters import Kind, Parameter
from core.presentation.payloads import build, int_arg
from core.services import areas, members
from core.services.areas import AreaView

__all__ = ["area_label"]

CHOICES = 8


def area_label(ctx: Context, view: AreaView) -> str:
    """ "Saint-Étienne, Loire (commune 42218)": the parent tells apart the
    many communes that share a name."""
    where = f"{view.name}, {view.parent_name}" if view.parent_name else view.name
    return f"{where} ({ctx.t('level.' + view.level)} {view.code})"


def _description(ctx: Context, view: AreaView) -> tuple[str, ...]:
    lines = [ctx.t("area.home", name=view.name, level=ctx.t("level." + view.level), code=view.code)]
    if view.ancestors:
        lines.append(ctx.t("area.within", trail=", ".join(view.ancestors)))
    return tuple(lines)


def _home(ctx: Context) -> Reply:
    if ctx.member.home_area_id is None:
        return notice(ctx.t("area.no_home"), CardKind.INFO)
    view = areas.area_view(ctx.uow, ctx.member.home_area_id)
    return Reply(
        [Card(title=ctx.t("area.home_title"), lines=(*_description(ctx, view), ctx.t("area.change_hint")))]
    )


@read_only
def area(ctx: Context, query: str | None) -> Reply:
    """Without argument: the member's home area. With a name or code: the
    matching areas as buttons; pressing one makes it the home area."""
    if not query:
        return _home(ctx)
    found = areas.lookup_areas(ctx.uow, query, limit=CHOICES)
    if not found:
        return notice(ctx.t("area.no_match", query=query[: areas.MAX_QUERY]), CardKind.INFO)
    actions = tuple(
        Action(area_label(ctx, view), build("ha", view.id), row=i) for i, view in enumerate(found)
    )
    return Reply([Card(lines=(ctx.t("area.pick"),), actions=actions)])


def home_area_pressed(ctx: Context, args: list[str]) -> Reply:
    view = members.set_home_area(ctx.uow, ctx.member.id, int_arg(args))
    card = Card(
        lines=(ctx.t("area.set", name=view.name), *_description(ctx, view)[1:]), kind=CardKind.SUCCESS
    )
    return Reply([card], edit=True)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "area",
        area,
        (Parameter("query", Kind.TEXT, required=False, key="area_query", source=Kind.AREA),),
        order=80,
    ),
)
PRESSES: dict[str, PressHandler] = {"ha": home_area_pressed}
FLOWS: dict[str, TextHandler] = {}
