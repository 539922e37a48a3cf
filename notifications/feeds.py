"""Atom and RSS feeds, for following initiatives without joining anything.

One feed per initiative (its story: proposal, news, official responses,
counter-proposals, milestones up to the action), per area (its initiatives
and those of the areas inside it), per topic, for all new initiatives, and
for the public moderation log. Each is read as an anonymous visitor reads
it: nothing hidden, removed or deleted, never who reported nor which
moderator decided.

A feed is first a neutral ``Feed`` (built from the core's read models, in
one language), then a document written by feedgen in the format asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from feedgen.feed import FeedGenerator

from core.config import Settings
from core.domain.initiatives import Status
from core.presentation.handlers.moderation import action_text, reason_text, target_text
from core.presentation.i18n import Translator
from core.services import moderation, open_data, public_pages, timeline
from core.services.open_data import PublicInitiative
from core.services.timeline import EntryKind, TimelineEntry
from core.storage.uow import UnitOfWork

__all__ = [
    "Feed",
    "FeedDocument",
    "FeedEntry",
    "FeedFormat",
    "area_feed",
    "initiative_feed",
    "moderation_feed",
    "new_initiatives_feed",
    "render",
    "topic_feed",
]


class FeedFormat(StrEnum):
    ATOM = "atom"
    RSS = "rss"

    @property
    def media_type(self) -> str:
        return "application/atom+xml" if self is FeedFormat.ATOM else "application/rss+xml"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    content: str = ""


@dataclass(frozen=True)
class Feed:
    """A feed before it is written: ``path`` is its address without the
    extension ("/i/12/feed"), ``page`` the web page it follows."""

    path: str
    title: str
    subtitle: str
    page: str
    language: str
    updated: datetime
    entries: tuple[FeedEntry, ...]


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    media_type: str
    #: The feed's last change (Last-Modified).
    updated: datetime


#: When a feed has no entry at all, its date: a fixed instant, so that an
#: empty feed is the same document at every request (ETag, 304).
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def render(feed: Feed, fmt: FeedFormat, settings: Settings) -> FeedDocument:
    """The feed written as Atom or RSS 2.0."""
    base = _base(settings)
    generator = FeedGenerator()
    generator.id(f"{base}{feed.path}")
    generator.title(feed.title)
    generator.subtitle(feed.subtitle)
    generator.author({"name": "possibles"})
    generator.language(feed.language)
    generator.link(href=f"{base}{feed.page}", rel="alternate")
    generator.link(href=f"{base}{feed.path}.{fmt.value}", rel="self")
    generator.updated(_aware(feed.updated))
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.guid(entry.id, permalink=False)
        item.title(entry.title)
        item.link(href=entry.link)
        item.published(_aware(entry.published))
        item.updated(_aware(entry.updated))
        item.content(entry.content or entry.title, type="text")
    body = generator.atom_str(pretty=True) if fmt is FeedFormat.ATOM else generator.rss_str(pretty=True)
    return FeedDocument(body=body, media_type=fmt.media_type, updated=_aware(feed.updated))


def _latest(entries: tuple[FeedEntry, ...], fallback: datetime) -> datetime:
    return max((_aware(e.updated) for e in entries), default=_aware(fallback))


# --- one initiative ---------------------------------------------------------


def _story_entry(t: Translator, base: str, initiative_id: int, entry: TimelineEntry) -> FeedEntry:
    link = f"{base}/i/{initiative_id}"
    kind = EntryKind(entry.kind)
    content = entry.text or ""
    author = None if entry.author is None else t.member_name(entry.author)
    if kind is EntryKind.CREATED:
        title = t("feed.entry.created", author=author)
    elif kind is EntryKind.GOAL_REACHED:
        title, content = t("feed.entry.goal_reached"), ""
    elif kind is EntryKind.STATUS:
        title, content = t("feed.entry.status", status=t(f"status.{entry.status}")), ""
    elif kind is EntryKind.POST:
        title = t("feed.entry.post", author=author)
    elif kind is EntryKind.COMMENT:
        title = t("feed.entry.comment", author=author)
    elif kind is EntryKind.RESPONSE:
        title = t(
            "feed.entry.response",
            author=author,
            mandate=entry.official_title,
            position=t(f"timeline.position.{entry.position}"),
        )
    else:  # a counter-proposal: its own page
        title = t("feed.entry.counter", author=author, title=entry.text, id=entry.ref_id)
        link = f"{base}/i/{entry.ref_id}"
    # A status entry is one per status reached: its id says which, and when.
    tail = f"{entry.status}-{int(entry.at.timestamp())}" if kind is EntryKind.STATUS else entry.ref_id
    return FeedEntry(
        id=f"{base}/i/{initiative_id}#{kind.value}-{tail}",
        title=title,
        link=link,
        published=entry.at,
        updated=entry.at,
        content=content,
    )


def initiative_feed(uow: UnitOfWork, initiative_id: int, settings: Settings, language: str) -> Feed:
    """An initiative's story, newest first; NotFound when it is hidden or removed."""
    t = Translator(language)
    base = _base(settings)
    story = timeline.latest(uow, initiative_id, open_data.FEED_SIZE)
    told = list(story.entries)
    changes = public_pages.status_history(uow, initiative_id)
    if changes:
        # The timeline tells only the current status; the history, each one
        # (reaching the goal has its own entry already).
        told = [entry for entry in told if entry.kind != EntryKind.STATUS]
        told += [
            TimelineEntry(kind=EntryKind.STATUS.value, at=change.at, ref_id=initiative_id, status=change.new)
            for change in changes
            if change.new is not Status.GOAL_REACHED
        ]
    told.sort(key=timeline.story_order, reverse=True)
    entries = tuple(_story_entry(t, base, initiative_id, entry) for entry in told[: open_data.FEED_SIZE])
    return Feed(
        path=f"/i/{initiative_id}/feed",
        title=t("feed.initiative.title", id=initiative_id, title=story.title),
        subtitle=t("feed.initiative.subtitle", area=story.area_name, status=t(f"status.{story.status}")),
        page=f"/i/{initiative_id}",
        language=t.language,
        updated=_latest(entries, story.created_at),
        entries=entries,
    )


# --- lists of initiatives ---------------------------------------------------


def _initiative_entry(t: Translator, base: str, item: PublicInitiative) -> FeedEntry:
    status = t(f"status.{item.status}")
    counted = t("feed.entry.supporters", count=item.supporters, goal=item.goal)
    return FeedEntry(
        id=f"{base}/i/{item.id}",
        title=t("feed.entry.initiative", title=item.title, area=item.area_name),
        link=f"{base}/i/{item.id}",
        published=item.created_at,
        updated=item.modified_at,
        content=f"{item.description}\n\n{status} · {counted}",
    )


def _list_feed(
    t: Translator, settings: Settings, path: str, page: str, title: str, items: tuple[PublicInitiative, ...]
) -> Feed:
    base = _base(settings)
    entries = tuple(_initiative_entry(t, base, item) for item in items)
    return Feed(
        path=path,
        title=title,
        subtitle=t("feed.list.subtitle"),
        page=page,
        language=t.language,
        updated=_latest(entries, _EPOCH),
        entries=entries,
    )


def new_initiatives_feed(uow: UnitOfWork, settings: Settings, language: str) -> Feed:
    """Every new initiative, newest first."""
    t = Translator(language)
    items = open_data.new_initiatives(uow)
    return _list_feed(t, settings, "/feed", "/", t("feed.new.title"), items)


def area_feed(uow: UnitOfWork, area_id: int, settings: Settings, language: str) -> Feed:
    """An area's initiatives and those of the areas inside it; NotFound for an unknown area."""
    t = Translator(language)
    listing = open_data.area_initiatives(uow, area_id)
    title = t("feed.area.title", area=listing.area_name)
    return _list_feed(t, settings, f"/a/{area_id}/feed", f"/a/{area_id}", title, listing.initiatives)


def topic_feed(uow: UnitOfWork, topic: str, settings: Settings, language: str) -> Feed:
    """A topic's initiatives; InvalidInput for an unknown topic."""
    t = Translator(language)
    key, items = open_data.topic_initiatives(uow, topic, settings)
    title = t("feed.topic.title", topic=t(f"topic.{key}"))
    return _list_feed(t, settings, f"/t/{key}/feed", f"/t/{key}", title, items)


# --- the moderation log -----------------------------------------------------


def moderation_feed(uow: UnitOfWork, settings: Settings, language: str) -> Feed:
    """The public moderation log: each decision, its reason and date —
    never who reported, never which moderator."""
    t = Translator(language)
    base = _base(settings)
    with uow.transaction(writes=False):  # a reader takes no write lock
        log = moderation.moderation_log(uow, 0, size=open_data.FEED_SIZE)
    entries = tuple(
        FeedEntry(
            id=f"{base}/moderation#decision-{entry.decision_id}",
            title=t(
                "feed.entry.decision",
                target=target_text(t, entry.target_type, entry.target_id),
                action=action_text(t, entry.action, entry.suspension_days),
            ),
            link=f"{base}/moderation",
            published=entry.created_at,
            updated=entry.created_at,
            content=reason_text(t, entry.reason) if entry.reason else t("feed.entry.no_reason"),
        )
        for entry in log.entries
    )
    return Feed(
        path="/moderation/feed",
        title=t("modlog.title"),
        subtitle=t("feed.moderation.subtitle"),
        page="/moderation",
        language=t.language,
        updated=_latest(entries, _EPOCH),
        entries=entries,
    )
