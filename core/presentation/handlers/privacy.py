"""/mydata and /forget: one's own data (core.services.privacy)."""

from __future__ import annotations

from core.errors import StaleAction
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Document, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler
from core.presentation.context import Context
from core.presentation.i18n import format_number
from core.presentation.payloads import build
from core.services import handovers, privacy
from core.services.handovers import Handover, HandoverKind

__all__: list[str] = []

#: The verb of the button that confirms /forget.
FORGET = "fg"
#: Where the web pages serve a download token (bots.web.mydata).
DOWNLOAD_PATH = "/mydata/"


def download_url(ctx: Context, token: str) -> str:
    """The web page that downloads the export once with ``token``."""
    return ctx.settings.public_url(DOWNLOAD_PATH + token)


def mydata(ctx: Context) -> Reply:
    """/mydata: everything stored about the member, as a JSON file, and,
    where the deployment has web pages, a button to download it from there
    once (a platform may not take the file: Discord's size limit).

    Not read-only: minting the link's token writes its row."""
    settings = ctx.settings.privacy
    # Minted first, so that the file lists the link's token too (its digest).
    token = privacy.mint_download(ctx.uow, ctx.member.id, settings) if ctx.settings.has_web else None
    content = privacy.export(ctx.uow, ctx.member.id)
    kib = format_number(max(1, round(len(content) / 1024)), ctx.language)
    lines = [ctx.t("privacy.mydata", size=kib)]
    actions: tuple[Action, ...] = ()
    link = None
    if token is not None:
        link = download_url(ctx, token)
        minutes = settings.download_minutes
        lines.append(ctx.t("privacy.mydata_link", count=minutes))
        label = ctx.t("privacy.download_button", count=minutes)
        actions = (Action(label, url=link, style=ActionStyle.PRIMARY),)
    lines.append(ctx.t("privacy.mydata_forget"))
    card = Card(title=ctx.t("privacy.mydata_title"), lines=tuple(lines), actions=actions)
    filename = privacy.export_filename(ctx.member.id)
    document = Document(filename, privacy.EXPORT_MEDIA_TYPE, content, link=link)
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
