"""Sharing initiatives into any chat: "@bot words" lists matching initiatives,
and choosing one posts a card with a button that opens it in the bot."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import PossiblesError
from core.presentation.cards import Action, ActionStyle, Card
from core.presentation.context import Context
from core.presentation.handlers.initiatives import initiative_url
from core.services import browse, initiatives

__all__ = ["INLINE_PAGE", "InlineItem", "InlinePage", "inline_results"]

#: Results per answer; Telegram allows 50.
INLINE_PAGE = 10
DESCRIPTION_IN_SHARE = 300


@dataclass(frozen=True)
class InlineItem:
    #: Unique within one answer ("i42").
    key: str
    title: str
    description: str
    #: What is posted when the item is chosen.
    card: Card


@dataclass(frozen=True)
class InlinePage:
    items: tuple[InlineItem, ...]
    #: The offset of the next page, "" when there is none.
    next_offset: str = ""


def _share_card(ctx: Context, view: initiatives.InitiativeView) -> Card:
    t = ctx.t
    description = view.description
    if len(description) > DESCRIPTION_IN_SHARE:
        description = description[: DESCRIPTION_IN_SHARE - 1].rstrip() + "…"
    link = ctx.speaker.private_link
    url = f"{link}i{view.id}" if link else initiative_url(ctx, view.id)
    return Card(
        title=f"#{view.id} · {view.title}",
        lines=(
            description,
            t("initiative.progress", supporters=view.supporters, goal=view.goal, count=view.supporters),
        ),
        fields=(
            t.field(t("field.area"), view.area_name),
            t.field(t("field.status"), t(f"status.{view.status}")),
        ),
        actions=(Action(t("inline.join"), url=url, style=ActionStyle.PRIMARY),),
        ref=f"initiative:{view.id}",
    )


def inline_results(ctx: Context, query: str, offset: str = "") -> InlinePage:
    """Initiatives matching ``query`` (the newest when it is empty), one page
    from ``offset``; a query that cannot be searched gives no results."""
    page = int(offset) if offset.isascii() and offset.isdigit() and len(offset) < 7 else 0
    try:
        if query.strip():
            found = browse.browse_words(ctx.uow, query, page, size=INLINE_PAGE)
        else:
            found = browse.browse_new(ctx.uow, page, size=INLINE_PAGE)
    except PossiblesError:
        return InlinePage(())
    items = []
    for item in found.items:
        try:
            # Shared into any chat: read as anyone, like a card in a group.
            view = initiatives.initiative_view(ctx.uow, item.id, None)
        except PossiblesError:
            continue  # hidden or removed since the list was read
        description = ctx.t(
            "inline.description",
            area=view.area_name,
            supporters=view.supporters,
            goal=view.goal,
            count=view.supporters,
        )
        items.append(
            InlineItem(f"i{view.id}", f"#{view.id} · {view.title}", description, _share_card(ctx, view))
        )
    return InlinePage(tuple(items), str(found.page + 1) if found.has_next else "")
