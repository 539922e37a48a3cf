"""The public pages: home, a topic, an initiative, an area, an official's
record, leaderboards and the moderation log.

Read through core.services.public_pages with no viewer, so hidden or removed
content shows as such, never its text. An id or a page number that is not a
number is a 400; a number that names nothing is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.params import number, page_number, path_id
from bots.web.state import web_state
from bots.web.templating import page, translator
from core.domain.text import id_in_range
from core.errors import InvalidInput, NotFound
from core.presentation.handlers.moderation import action_text, reason_text, target_text
from core.services import public_pages
from core.services.areas import MAX_QUERY
from core.services.leaderboards import Period

__all__ = ["routes"]

T = TypeVar("T")


async def _read(request: Request, read: Callable[..., T], *args: Any) -> T:
    """``read(uow, *args)`` in a worker thread (the storage is synchronous);
    NotFound -> 404, InvalidInput -> 400."""
    uow = web_state(request).runtime.uow()
    try:
        return await run_in_threadpool(read, uow, *args)
    except NotFound as error:
        raise HTTPException(404) from error
    except InvalidInput as error:
        raise HTTPException(400, translator(request)(error.key, **error.params)) from error


# --- pages ------------------------------------------------------------------


async def home(request: Request) -> Response:
    state = web_state(request)
    found = await _read(request, public_pages.home_page, state.settings)
    return page(request, "home.html", {"home": found, "feeds": _feeds(request, "")})


async def areas_search(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise HTTPException(400, translator(request)("web.error.query_too_long", max=MAX_QUERY))
    found = await _read(request, public_pages.area_search, query) if query else []
    return page(request, "areas.html", {"query": query, "areas": found})


async def topic(request: Request) -> Response:
    state = web_state(request)
    key = request.path_params["topic"]
    if key not in state.settings.topics:
        raise HTTPException(404)
    listing = await _read(request, public_pages.topic_page, key, state.settings, page_number(request))
    return page(
        request,
        "topic.html",
        {"topic": key, "listing": listing, "feeds": _feeds(request, f"/t/{quote(key)}")},
    )


async def initiative(request: Request) -> Response:
    initiative_id = path_id(request)
    number = page_number(request)
    uow = web_state(request).runtime.uow()
    try:
        found = await run_in_threadpool(public_pages.initiative_page, uow, initiative_id, number)
    except NotFound as error:
        if error.key in ("error.initiative_hidden", "error.initiative_removed"):
            removed = error.key == "error.initiative_removed"
            return page(
                request,
                "withheld.html",
                {"initiative_id": initiative_id, "removed": removed},
                status_code=410 if removed else 404,
            )
        raise HTTPException(404) from error
    if number and number >= found.timeline.pages:
        raise HTTPException(404)
    return page(
        request,
        "initiative.html",
        {
            "page": found,
            "i": found.initiative,
            "join": _join_links(request, initiative_id),
            "share": _share_links(request, initiative_id, found.initiative.title),
            "feeds": _feeds(request, f"/i/{initiative_id}"),
        },
    )


async def area(request: Request) -> Response:
    area_id = path_id(request)
    found = await _read(request, public_pages.area_page, area_id, page_number(request))
    return page(request, "area.html", {"page": found, "feeds": _feeds(request, f"/a/{area_id}")})


async def official(request: Request) -> Response:
    member_id = path_id(request)
    found = await _read(request, public_pages.official_page, member_id)
    return page(request, "official.html", {"official": found})


async def leaderboard(request: Request) -> Response:
    raw_period = request.query_params.get("period", Period.WEEK.value)
    try:
        period = Period(raw_period)
    except ValueError:
        raise HTTPException(400, translator(request)("web.error.bad_period")) from None
    raw_area = request.query_params.get("area")
    area_id = number(request, raw_area, name="area") if raw_area else None
    if area_id is not None and not id_in_range(area_id):
        raise HTTPException(404)
    found = await _read(request, public_pages.leaderboard_page, period, area_id)
    return page(request, "leaderboards.html", {"board": found, "periods": list(Period)})


async def moderation(request: Request) -> Response:
    number = page_number(request)
    found = await _read(request, public_pages.moderation_page, number)
    if number and number >= found.pages:
        raise HTTPException(404)
    t = translator(request)
    lines = [
        {
            "entry": entry,
            "target": target_text(t, entry.target_type, entry.target_id),
            "action": action_text(t, entry.action, entry.suspension_days),
            "reason": reason_text(t, entry.reason) if entry.reason else None,
        }
        for entry in found.entries
    ]
    return page(
        request, "moderation.html", {"log": found, "lines": lines, "feeds": _feeds(request, "/moderation")}
    )


# --- links ------------------------------------------------------------------


def _feeds(request: Request, base: str) -> list[tuple[str, str]]:
    """The Atom and RSS feeds of a page, for ``<link rel="alternate">``."""
    return [
        ("application/atom+xml", f"{base}/feed.atom"),
        ("application/rss+xml", f"{base}/feed.rss"),
    ]


def _join_links(request: Request, initiative_id: int) -> list[tuple[str, str]]:
    """(platform, link) for each chat platform configured with a public way in."""
    settings = web_state(request).settings
    links = []
    username = settings.telegram.bot_username
    if settings.telegram.token is not None and username:
        links.append(("telegram", f"https://t.me/{quote(username.lstrip('@'))}?start=i{initiative_id}"))
    invite = settings.web.discord_invite_url
    if settings.discord.token is not None and invite:
        links.append(("discord", invite))
    return links


def _share_links(request: Request, initiative_id: int, title: str) -> list[tuple[str, str]]:
    """(network, link) of the share buttons: plain links, no script."""
    url = f"{web_state(request).base_url}/i/{initiative_id}"
    u, text = quote(url, safe=""), quote(title, safe="")
    return [
        ("facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("x", f"https://x.com/intent/post?url={u}&text={text}"),
        ("whatsapp", f"https://wa.me/?text={quote(title + ' ' + url, safe='')}"),
        ("telegram", f"https://t.me/share/url?url={u}&text={text}"),
        ("email", f"mailto:?subject={text}&body={u}"),
    ]


def routes() -> list[BaseRoute]:
    """The pages' routes, for bots.web.app."""
    return [
        Route("/", home, name="home"),
        Route("/areas", areas_search, name="areas"),
        Route("/t/{topic}", topic, name="topic"),
        Route("/i/{id}", initiative, name="initiative"),
        Route("/a/{id}", area, name="area"),
        Route("/officials/{id}", official, name="official"),
        Route("/leaderboards", leaderboard, name="leaderboards"),
        Route("/moderation", moderation, name="moderation"),
    ]
