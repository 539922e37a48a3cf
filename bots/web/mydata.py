"""/mydata's one-time download link: ``/mydata/{token}``.

/mydata in a chat gives the member a link to this page (a button), with a
token core.services.privacy minted for them: it works once, for
``privacy.download_minutes``, for whoever holds it — the token is the secret,
the page asks for no login.

- ``GET`` shows a page with a Download button and uses nothing: chat apps
  fetch the links posted in a chat to preview them, and that must not burn
  the link before the member opens it.
- ``POST`` (the button: a plain form, the site allows no script) uses the
  token up and answers the member's export as of now, as a file
  (Content-Disposition: attachment). A cross-site form posting here would
  need the token, and would only hand its holder their own file: no other
  CSRF guard is needed.
- A token used or expired is a 410, one never minted (or erased with its
  member by /forget) a 404, each with a page that says to type /mydata again.

Nothing of these answers is stored by a cache, indexed, or sent on as a
Referer (the address holds the token). Both are rate-limited per client,
as the exports are.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.export import EXPORT_BURST, EXPORT_RATE
from bots.web.ratelimit import TokenBuckets, limited
from bots.web.state import web_state
from bots.web.templating import page
from core.errors import InvalidState, NotFound
from core.services import privacy
from core.services.handovers import TokenState

__all__ = ["PRIVATE_HEADERS", "routes"]

#: What a token can look like (URL-safe base64); anything else names nothing.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: On every answer of these routes: the address holds a secret.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}

_STATUS = {TokenState.LIVE: 200, TokenState.SPENT: 410, TokenState.UNKNOWN: 404}


def _page(request: Request, token: str, state: TokenState) -> Response:
    response = page(
        request, "mydata.html", {"token": token, "state": state.value}, status_code=_STATUS[state]
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


async def show(request: Request) -> Response:
    """The page with the Download button; the token stays unused."""
    token = request.path_params["token"]
    if not _TOKEN.fullmatch(token):
        return _page(request, token, TokenState.UNKNOWN)
    uow = web_state(request).runtime.uow()
    state = await run_in_threadpool(privacy.download_state, uow, token)
    return _page(request, token, state)


async def download(request: Request) -> Response:
    """The Download button: the export, once."""
    token = request.path_params["token"]
    if not _TOKEN.fullmatch(token):
        return _page(request, token, TokenState.UNKNOWN)
    uow = web_state(request).runtime.uow()
    try:
        found = await run_in_threadpool(privacy.download, uow, token)
    except NotFound:
        return _page(request, token, TokenState.UNKNOWN)
    except InvalidState:
        return _page(request, token, TokenState.SPENT)
    headers = {**PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{found.filename}"'}
    return Response(found.content, media_type=privacy.EXPORT_MEDIA_TYPE, headers=headers)


def routes() -> list[BaseRoute]:
    """The download routes, sharing one rate limit per app."""
    buckets = TokenBuckets(EXPORT_RATE, EXPORT_BURST)
    return [
        Route("/mydata/{token}", limited(buckets, show), methods=["GET"], name="mydata"),
        Route("/mydata/{token}", limited(buckets, download), methods=["POST"]),
    ]
