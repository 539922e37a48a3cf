"""Conditional GET: an ETag on documents that change rarely (feeds,
exports), and 304 Not Modified when the client has them.

The ETag is a digest of the document itself, so it changes exactly when the
document does, in every process. There is no Last-Modified: what these
documents hold can disappear (a hidden post leaves its feed, a forgotten
official the Popolo export) with no date of theirs moving, so a client that
asked by date would keep what must be gone. RFC 9110 (8.8.2.1) asks for a
Last-Modified only where one can be determined consistently.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["conditional_response", "entity_tag"]


def entity_tag(body: bytes) -> str:
    """A strong ETag for ``body``."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, tag: str) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110, 8.8.3.2): a "W/" prefix does not matter here.
    given = {part.strip().removeprefix("W/") for part in header.split(",")}
    return tag in given


def conditional_response(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` with its ETag, or 304 when the request's If-None-Match has it
    (an If-Modified-Since alone is answered in full)."""
    tag = entity_tag(body)
    validators = {
        "ETag": tag,
        # Readers may keep it, but ask again each time (a cheap 304).
        "Cache-Control": "public, no-cache",
        **(headers or {}),
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _matches(if_none_match, tag):
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers=validators)
