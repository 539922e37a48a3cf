"""Conditional GET: an ETag and a Last-Modified on documents that change
rarely (feeds, exports), and 304 Not Modified when the client has them.

The ETag is a digest of the document itself, so it changes exactly when the
document does, in every process; If-None-Match wins over If-Modified-Since
(RFC 9110, 13.2.2).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

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


def _not_modified_since(header: str, modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # a malformed date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    # HTTP dates have whole seconds.
    return modified.replace(microsecond=0) <= since


def conditional_response(
    request: Request,
    body: bytes,
    media_type: str,
    modified: datetime | None,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` with its validators, or 304 when the request's validators match.

    ``modified`` is None for a document no single date follows (an export
    whose rows change with others' rows: a mandate ended, an official
    forgotten): it then has an ETag alone, since a Last-Modified that did
    not move would keep a stale copy in a client that trusts dates."""
    tag = entity_tag(body)
    validators = {"ETag": tag}
    if modified is not None:
        modified = modified if modified.tzinfo is not None else modified.replace(tzinfo=UTC)
        validators["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    # Readers may keep it, but ask again each time (a cheap 304).
    validators["Cache-Control"] = "public, no-cache"
    validators.update(headers or {})
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _matches(if_none_match, tag)
    else:
        since = request.headers.get("if-modified-since")
        fresh = since is not None and modified is not None and _not_modified_since(since, modified)
    if fresh:
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers=validators)
