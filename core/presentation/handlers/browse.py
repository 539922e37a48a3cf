"""/browse and /search: lists of initiatives, one card per page.

Pages travel in button payloads ``pg:<list>:<arg>:<page>`` (page from 0, arg
"0" when the list takes none). A search keeps its folded words in the arg,
joined by "+": browse.WORDS_MAX keeps every search short enough for
Telegram's 64 bytes, and longer searches are refused with a clear message
rather than shown without their next pages.
"""

from __future__ import annotations

from core.domain.text import clean_text
from core.errors import InvalidInput, StaleAction
from core.presentation.cards import Action, ActionStyle, Card, Reply
from core.presentation.commands import CommandSpec, PressHandler, TextHandler, read_only
from core.presentation.context import Context
from core.presentation.handlers.common import ensure_page
from core.presentation.parameters import Kind, Parameter, parse_value
from core.presentation.payloads import build, page_arg
from core.services import browse
from core.services.browse import BrowsePage, Listing

__all__ = ["browse_reply"]

TITLE_IN_BUTTON = 40
#: A search heading longer than this shows the folded words instead.
TYPED_MAX = 60
NO_ARG = "0"

#: /browse's parameters: the list (its words in either language, see
#: messages/parameters.toml) and what follows it (a topic or words).
_LIST = Parameter(
    "listing", Kind.CHOICE, required=False, key="list", group="list", choices=tuple(x.value for x in Listing)
)
_QUERY = Parameter("query", Kind.TEXT, required=False)
_TOPIC = Parameter("topic", Kind.TOPIC, keyword=True, positional=False)


def _fetch(ctx: Context, listing: Listing, arg: str, page: int) -> BrowsePage:
    uow = ctx.uow
    if listing is Listing.NEW:
        return browse.browse_new(uow, page)
    if listing is Listing.TRENDING:
        return browse.browse_trending(uow, page)
    if listing is Listing.NEAR:
        return browse.browse_near(uow, ctx.member.id, page)
    if listing is Listing.TOPIC:
        return browse.browse_topic(uow, arg, ctx.settings, page)
    return browse.browse_words(uow, arg.replace("+", " "), page)


def _title(ctx: Context, listing: Listing, arg: str, typed: str | None) -> str:
    if listing is Listing.TOPIC:
        return ctx.t("browse.title.topic", topic=ctx.t(f"topic.{arg}"))
    if listing is Listing.WORDS:
        # What was typed ("Saint-Étienne"); a page pressed later only has the
        # folded words its button carries.
        return ctx.t("browse.title.words", words=typed or arg.replace("+", " "))
    return ctx.t(f"browse.title.{listing.value}")


def _switch_actions(ctx: Context, current: Listing) -> list[Action]:
    row = 8
    actions = []
    for listing in (Listing.NEW, Listing.TRENDING, Listing.NEAR, Listing.TOPIC):
        if listing is not current:
            actions.append(
                Action(
                    ctx.t(f"browse.switch.{listing.value}"), build("pg", listing.value, NO_ARG, 0), row=row
                )
            )
    return actions


def browse_reply(
    ctx: Context,
    listing: Listing,
    arg: str = NO_ARG,
    page: int = 0,
    *,
    edit: bool = False,
    typed: str | None = None,
) -> Reply:
    """The card of one page of a list, with its buttons. ``typed``: a
    search as the member typed it, for the heading."""
    if listing is Listing.TOPIC and arg == NO_ARG:
        return _topic_picker(ctx, edit=edit)
    result = _fetch(ctx, listing, arg, page)
    ensure_page(page, result.pages)
    t = ctx.t
    lines = []
    actions: list[Action] = []
    for n, item in enumerate(result.items):
        lines.append(
            t(
                "browse.item",
                id=item.id,
                title=item.title,
                area=item.area_name,
                status=t(f"status.{item.status}"),
                supporters=item.supporters,
                goal=item.goal,
                count=item.supporters,
            )
        )
        label = item.title if len(item.title) <= TITLE_IN_BUTTON else item.title[: TITLE_IN_BUTTON - 1] + "…"
        actions.append(Action(f"#{item.id} · {label}", build("s", item.id), ActionStyle.PRIMARY, row=n))
    if not result.items:
        lines.append(t(f"browse.empty.{listing.value}"))
    nav_row = len(result.items)
    if result.has_previous:
        actions.append(
            Action(t("button.previous"), build("pg", listing.value, arg, result.page - 1), row=nav_row)
        )
    if result.has_next:
        actions.append(
            Action(t("button.next"), build("pg", listing.value, arg, result.page + 1), row=nav_row)
        )
    actions.extend(_switch_actions(ctx, listing))
    card = Card(
        title=_title(ctx, listing, arg, typed),
        lines=tuple(lines),
        actions=tuple(actions),
        footer=t("browse.page", page=result.page + 1, pages=result.pages, count=result.total)
        if result.total
        else None,
        ref="browse",
    )
    return Reply([card], edit=edit)


def _topic_picker(ctx: Context, *, edit: bool) -> Reply:
    actions = [
        Action(ctx.t(f"topic.{topic}"), build("pg", Listing.TOPIC.value, topic, 0), row=i // 2)
        for i, topic in enumerate(ctx.settings.topics)
    ]
    actions.extend(_switch_actions(ctx, Listing.TOPIC))
    card = Card(
        title=ctx.t("browse.title.topics"),
        lines=(ctx.t("browse.pick_topic"),),
        actions=tuple(actions),
        ref="browse",
    )
    return Reply([card], edit=edit)


def _words_arg(query: str) -> str:
    """The search as it travels in payloads: folded words joined by "+"
    (validated: not empty, at most browse.WORDS_MAX characters)."""
    return "+".join(browse.search_words(query))


def _search_reply(ctx: Context, query: str) -> Reply:
    """The first page of a search, headed by the words as typed (cleaned
    like any text; the folded words when that is too long)."""
    arg = _words_arg(query)
    try:
        typed: str | None = clean_text(query, field="search", max_length=TYPED_MAX)
    except InvalidInput:
        typed = None
    return browse_reply(ctx, Listing.WORDS, arg, typed=typed)


@read_only
def browse_command(ctx: Context, listing: str | None, query: str | None) -> Reply:
    chosen = Listing(listing) if listing else None
    if chosen is None:
        return _search_reply(ctx, query) if query else browse_reply(ctx, Listing.NEW)
    if chosen is Listing.TOPIC:
        if not query:
            return _topic_picker(ctx, edit=False)
        topic = parse_value(ctx, _BROWSE, _TOPIC, query)
        return browse_reply(ctx, chosen, str(topic))
    if chosen is Listing.WORDS:
        return _search_reply(ctx, query or "")
    return browse_reply(ctx, chosen)


@read_only
def search_command(ctx: Context, words: str) -> Reply:
    return _search_reply(ctx, words)


@read_only
def page_pressed(ctx: Context, args: list[str]) -> Reply:
    """◀ ▶ and the list switches: the page replaces the one pressed."""
    try:
        listing = Listing(args[0])
        arg = args[1]
    except (IndexError, ValueError) as exc:
        raise StaleAction() from exc
    page = page_arg(args, 2)
    if listing is Listing.WORDS:
        arg = _words_arg(arg.replace("+", " "))
    elif listing is Listing.TOPIC and arg != NO_ARG and arg not in ctx.settings.topics:
        raise StaleAction()
    reply = browse_reply(ctx, listing, arg, page, edit=True)
    reply.shared = True  # a page of a list is everyone's: in a group it turns for all
    return reply


_BROWSE = CommandSpec("browse", browse_command, (_LIST, _QUERY), order=15)
COMMANDS: tuple[CommandSpec, ...] = (
    _BROWSE,
    CommandSpec("search", search_command, (Parameter("words", Kind.TEXT),), order=16),
)
PRESSES: dict[str, PressHandler] = {"pg": page_pressed}
FLOWS: dict[str, TextHandler] = {}
