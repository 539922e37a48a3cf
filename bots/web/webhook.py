"""Platforms' webhooks as routes of the web server, so that webhook mode
needs one port (the web's) for the pages and the updates.

A front end hands its receiver (bots.front_end.Webhook) to the runner, which
mounts it here. The receiver checks the request's headers (Telegram: the
secret-token header) before its body is read: a request without the secret is
refused with 403, unread. Then this module reads the body, bounded in size,
and answers with the receiver's status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.front_end import Webhook

__all__ = ["MAX_BODY", "webhook_routes"]

#: Far above any Telegram update (a message is at most 4,096 characters).
MAX_BODY = 1 << 20


async def _body(request: Request) -> bytes | None:
    """The request's body, or None past MAX_BODY."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(webhook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        if not webhook.authorised(request.headers):
            return Response(status_code=403)
        body = await _body(request)
        if body is None:
            return Response(status_code=413)
        status = await webhook.receive(request.headers, body)
        return Response("ok" if status == 200 else None, status_code=status, media_type="text/plain")

    return receive


def webhook_routes(webhooks: Sequence[Webhook]) -> list[BaseRoute]:
    """One POST route per receiver, at its path."""
    return [Route(webhook.path, _endpoint(webhook), methods=["POST"]) for webhook in webhooks]
