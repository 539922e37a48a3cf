"""Atom and RSS feeds on the web: ``/i/{id}/feed.atom``, ``/a/{area}/feed.rss``,
``/t/{topic}/feed.atom``, ``/feed.atom``, ``/moderation/feed.atom``...

The documents come from notifications.feeds; this module finds the language
(``?lang=``, Accept-Language), answers 404 for what does not exist or is
hidden, and 304 when the reader already has the document (its ETag:
bots.web.conditional says why there is no Last-Modified).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.conditional import conditional_response
from bots.web.language import language_of
from bots.web.state import web_state
from core.bootstrap import Runtime
from core.domain.text import id_in_range
from core.errors import InvalidInput, NotFound
from notifications import feeds
from notifications.feeds import Feed, FeedFormat

__all__ = ["FEED_FORMATS", "feed_links", "routes"]

#: The extensions a feed answers to.
FEED_FORMATS = tuple(FeedFormat)

#: A feed read on the runtime, in a language.
_Build = Callable[[Runtime, str], Feed]


def feed_links(path: str) -> list[tuple[str, str]]:
    """(media type, address) of each format of the feed at ``path``
    ("/i/12/feed"), for ``<link rel="alternate">`` in a page's head."""
    return [(fmt.media_type, f"{path}.{fmt.value}") for fmt in FEED_FORMATS]


def _format(request: Request) -> FeedFormat:
    try:
        return FeedFormat(request.path_params["fmt"])
    except ValueError:
        raise HTTPException(404) from None


def _id(request: Request, name: str) -> int:
    value = int(request.path_params[name])
    if not id_in_range(value):
        raise HTTPException(404)
    return value


async def _answer(request: Request, build: _Build) -> Response:
    fmt = _format(request)
    state = web_state(request)
    settings = state.settings
    language = language_of(request, settings.default_language)

    def document() -> feeds.FeedDocument:
        return feeds.render(build(state.runtime, language), fmt, settings)

    try:
        found = await run_in_threadpool(document)
    except (NotFound, InvalidInput):
        raise HTTPException(404) from None
    return conditional_response(request, found.body, found.media_type, headers={"Vary": "Accept-Language"})


async def initiative(request: Request) -> Response:
    initiative_id = _id(request, "initiative_id")
    return await _answer(
        request, lambda rt, lang: feeds.initiative_feed(rt.uow(), initiative_id, rt.settings, lang)
    )


async def area(request: Request) -> Response:
    area_id = _id(request, "area_id")
    return await _answer(request, lambda rt, lang: feeds.area_feed(rt.uow(), area_id, rt.settings, lang))


async def topic(request: Request) -> Response:
    key = str(request.path_params["topic"])
    return await _answer(request, lambda rt, lang: feeds.topic_feed(rt.uow(), key, rt.settings, lang))


async def new_initiatives(request: Request) -> Response:
    return await _answer(request, lambda rt, lang: feeds.new_initiatives_feed(rt.uow(), rt.settings, lang))


async def moderation_log(request: Request) -> Response:
    return await _answer(request, lambda rt, lang: feeds.moderation_feed(rt.uow(), rt.settings, lang))


def routes() -> list[BaseRoute]:
    return [
        Route("/i/{initiative_id:int}/feed.{fmt}", initiative, methods=["GET", "HEAD"], name="feed_item"),
        Route("/a/{area_id:int}/feed.{fmt}", area, methods=["GET", "HEAD"], name="feed_area"),
        Route("/t/{topic}/feed.{fmt}", topic, methods=["GET", "HEAD"], name="feed_topic"),
        Route("/feed.{fmt}", new_initiatives, methods=["GET", "HEAD"], name="feed_new"),
        Route("/moderation/feed.{fmt}", moderation_log, methods=["GET", "HEAD"], name="feed_moderation"),
    ]
