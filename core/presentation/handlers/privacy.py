"""/mydata and /forget: one's own data (core.services.privacy)."""

from __future__ import annotations

from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Document, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.i18n import format_number
from core.presentation.payloads import build
from core.services import handovers, privacy
from core.services.handovers import Handover, HandoverKind

__all__: list[str] = []

#: The verb of the button that confirms /forget.
FORGET = "fg"
MEDIA_TYPE = "application/json"


@read_only
def mydata(ctx: Context) -> Reply:
    """/mydata: everything stored about the member, as a JSON file."""
    content = privacy.export(ctx.uow, ctx.member.id)
    kib = format_number(max(1, round(len(content) / 1024)), ctx.language)
    card = Card(
        title=ctx.t("privacy.mydata_title"),
        lines=(ctx.t("privacy.mydata", size=kib), ctx.t("privacy.mydata_forget")),
    )
    document = Document(f"possibles-mydata-{ctx.member.id}.json", MEDIA_TYPE, content)
    return Reply([card], documents=[document])


def forget(ctx: Context) -> Reply:
    """/forget: what it erases and keeps, and one button to confirm (minted
    for this member, single-use, expiring: checked again when pressed)."""
    t = ctx.t
    label = t("privacy.forget_button")
    token = handovers.mint(
        ctx.uow, ctx.member.id, Handover(HandoverKind.PRESS, privacy.FORGET_ACTION, label=label)
    )
    return Reply(
        [
            Card(
                title=t("privacy.forget_title"),
                lines=(
                    t("privacy.forget_erases"),
                    t("privacy.forget_keeps"),
                    t("privacy.forget_final", minutes=int(handovers.TTL.total_seconds() // 60)),
                ),
                actions=(Action(label, build(FORGET, token), ActionStyle.DANGER),),
            )
        ]
    )


def forget_pressed(ctx: Context, args: list[str]) -> Reply:
    if len(args) != 1:
        raise StaleAction()
    privacy.forget(ctx.uow, ctx.member.id, args[0])
    return Reply([Card(lines=(ctx.t("privacy.forgotten"),), kind=CardKind.SUCCESS)], edit=True)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("mydata", mydata, private=True, order=64),
    CommandSpec("forget", forget, private=True, order=65),
)
PRESSES: dict[str, PressHandler] = {FORGET: forget_pressed}
FLOWS: dict[str, TextHandler] = {}
