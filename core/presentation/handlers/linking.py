"""/link and /unlink: one person across platforms (core.services.linking)."""

from __future__ import annotations

from core.presentation.cards import Card, CardKind, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler
from core.presentation.context import Context
from core.presentation.handlers.common import notice
from core.presentation.parameters import Kind, Parameter
from core.services import linking

__all__: list[str] = []


def link(ctx: Context, code: str | None) -> Reply:
    """/link: a code to type on the other platform; /link CODE: type it here."""
    t = ctx.t
    settings = ctx.settings.privacy
    if not code:
        issued = linking.issue_code(ctx.uow, ctx.member.id, settings)
        return Reply(
            [
                Card(
                    title=t("linking.code_title"),
                    lines=(
                        t("linking.code_how", code=issued.code, minutes=settings.link_code_minutes),
                        t("linking.code_merge"),
                    ),
                    fields=(t.field(t("linking.code_field"), issued.code),),
                )
            ]
        )
    linked = linking.redeem_code(ctx.uow, ctx.member.id, code, settings)
    return Reply(
        [
            Card(
                title=t("linking.done_title"),
                lines=(t("linking.done", count=linked.identities, id=linked.member_id),),
                kind=CardKind.SUCCESS,
            )
        ]
    )


def unlink(ctx: Context) -> Reply:
    """/unlink: this platform's identity goes back to a member of its own, where safe."""
    linking.unlink(ctx.uow, ctx.member.id, ctx.speaker.identity)
    return notice(ctx.t("linking.unlinked", platform=ctx.speaker.identity.platform))


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "link",
        link,
        (Parameter("code", Kind.TEXT, required=False, key="link_code", max_length=20),),
        private=True,
        order=62,
    ),
    CommandSpec("unlink", unlink, order=63),
)
PRESSES: dict[str, PressHandler] = {}
FLOWS: dict[str, TextHandler] = {}
