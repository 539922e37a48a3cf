"""The public pages: home, an initiative, an area, an official's record,
leaderboards and the moderation log. Read with an anonymous viewer through
core.services.public_pages: hidden or removed content shows as such."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.templating import page

__all__ = ["routes"]


async def home(request: Request) -> Response:
    return page(request, "home.html", {})


def routes() -> list[BaseRoute]:
    """The pages' routes, for bots.web.app."""
    return [
        Route("/", home, name="home"),
    ]
