"""The web app: ``build_app(runtime) -> Starlette``.

Each module of routes exposes ``routes() -> list[BaseRoute]``, listed in
ROUTES; build_app mounts them in that order, then /static. Every
response gets the security headers; an HTTPException (404, 400...) and any
crash answer with the error page, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bots.web import export, feeds, metrics, mydata, pages, preview
from bots.web.state import WebState
from bots.web.templating import page, templates
from core.bootstrap import Runtime

__all__ = ["ROUTES", "SECURITY_HEADERS", "build_app"]

log = logging.getLogger(__name__)

#: The ``routes`` functions of the modules the app serves, in order.
ROUTES: tuple[Callable[[], list[BaseRoute]], ...] = (
    pages.routes,
    feeds.routes,
    export.routes,
    mydata.routes,
    metrics.routes,
    preview.routes,
)

#: No script at all (the pages need none), nothing from elsewhere, never in a frame.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


async def _http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    detail = error.detail if isinstance(error, HTTPException) else None
    headers = dict(error.headers or {}) if isinstance(error, HTTPException) else {}
    if status in (204, 304):
        return Response(status_code=status, headers=headers)
    response = page(request, "error.html", {"status": status, "detail": detail}, status_code=status)
    response.headers.update(headers)
    return response


async def _crash(request: Request, error: Exception) -> Response:
    log.error("the web page %s crashed", request.url.path, exc_info=error)
    response = await _http_error(request, error)
    # This answer comes from outside the middleware: it adds its own headers.
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    return response


def build_app(
    runtime: Runtime,
    *,
    routes_from: Sequence[Callable[[], list[BaseRoute]]] = ROUTES,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The public web app on ``runtime`` (its settings, database and clock).
    ``extra_routes`` come first: the platforms' webhooks (bots.web.webhook)."""
    routes = [*extra_routes, *(route for module_routes in routes_from for route in module_routes())]
    routes.append(Mount("/static", app=StaticFiles(packages=[("bots.web", "static")]), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _http_error, Exception: _crash},
    )
    app.state.web = WebState(runtime=runtime, templates=templates())
    return app
