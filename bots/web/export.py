"""Open data in standard shapes, for journalists, researchers and civic tools.

- ``/export/initiatives.json``: every visible initiative as an OSDI petition
  (https://opensupporter.github.io/osdi-docs/petitions.html) in a HAL
  collection: ``title``, ``description``, ``target`` (the officials whose
  mandate covers its area), ``total_signatures``, ``created_date``,
  ``modified_date``, ``browser_url``, ``identifiers``; what OSDI has no field
  for (status, goal, area, topic) under the ``possibles:`` prefix, as OSDI
  asks of extensions.
- ``/export/initiatives.csv``: the same, one row per initiative.
- ``/export/officials.popolo.json``: officials and their mandates in Popolo
  (https://www.popoloproject.com): persons, posts (a title over an area),
  memberships (a person in a post, from its start to its end), areas. An
  official who used /forget is no person any more; their memberships stay,
  in their posts, without a ``person_id`` (which Popolo leaves optional),
  rather than under a made-up name a reuser would take for a real person's.

Exports are rate-limited per client (a token bucket; 429 with Retry-After)
and conditional (ETag, 304).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bots.web.conditional import conditional_response
from bots.web.ratelimit import TokenBuckets, limited
from bots.web.state import web_state
from core.services import open_data
from core.services.open_data import OfficialsRecord, PublicInitiative

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_BURST",
    "EXPORT_RATE",
    "OSDI_FIELDS",
    "initiatives_csv",
    "osdi_petitions",
    "popolo",
    "routes",
]

#: A client may take this many exports at once, then one every ten seconds.
EXPORT_BURST = 5
EXPORT_RATE = 0.1

ORIGIN = "possibles"

#: The OSDI petition fields this export fills (common fields included).
OSDI_FIELDS = (
    "identifiers",
    "origin_system",
    "created_date",
    "modified_date",
    "title",
    "description",
    "browser_url",
    "total_signatures",
    "target",
)

CSV_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "total_signatures",
    "goal",
    "area_code",
    "area_name",
    "topic",
    "target",
    "created_date",
    "modified_date",
    "browser_url",
)

#: A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _date(at: datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _petition(base: str, item: PublicInitiative) -> dict[str, Any]:
    return {
        "identifiers": [f"{ORIGIN}:{item.id}"],
        "origin_system": ORIGIN,
        "created_date": _date(item.created_at),
        "modified_date": _date(item.modified_at),
        "title": item.title,
        "description": item.description,
        "browser_url": f"{base}/i/{item.id}",
        "total_signatures": item.supporters,
        "target": [{"name": name} for name in item.targets],
        "possibles:status": item.status,
        "possibles:goal": item.goal,
        "possibles:area": {"code": item.area_code, "name": item.area_name},
        "possibles:topic": item.topic,
    }


def osdi_petitions(base: str, items: tuple[PublicInitiative, ...]) -> dict[str, Any]:
    """An OSDI collection of petitions (HAL), every one on one page."""
    return {
        "origin_system": ORIGIN,
        "total_records": len(items),
        "total_pages": 1,
        "page": 1,
        "per_page": len(items),
        "_links": {"self": {"href": f"{base}/export/initiatives.json"}},
        "_embedded": {"osdi:petitions": [_petition(base, item) for item in items]},
    }


def _cell(value: object) -> str:
    text = str(value)
    # A title "=HYPERLINK(...)" must stay text in a spreadsheet (OWASP, CSV injection).
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def initiatives_csv(base: str, items: tuple[PublicInitiative, ...]) -> str:
    """The initiatives as CSV (RFC 4180), one row each, CSV_COLUMNS first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        row = (
            item.id,
            item.title,
            item.description,
            item.status,
            item.supporters,
            item.goal,
            item.area_code,
            item.area_name,
            item.topic,
            "; ".join(item.targets),
            _date(item.created_at),
            _date(item.modified_at),
            f"{base}/i/{item.id}",
        )
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def popolo(record: OfficialsRecord) -> dict[str, Any]:
    """Officials and their mandates as Popolo persons, posts, memberships and areas."""
    posts: dict[tuple[str, str], str] = {}
    for mandate in record.mandates:
        posts.setdefault((mandate.area_code, mandate.title), f"post/{mandate.id}")
    areas = {mandate.area_code: mandate.area_name for mandate in record.mandates}
    return {
        "persons": [{"id": f"person/{member_id}", "name": name} for member_id, name in record.names.items()],
        "areas": [
            {"id": f"area/{code}", "name": name, "identifiers": [{"scheme": "insee", "identifier": code}]}
            for code, name in areas.items()
        ],
        "posts": [
            {"id": post_id, "label": title, "role": title, "area_id": f"area/{code}"}
            for (code, title), post_id in posts.items()
        ],
        "memberships": [
            {
                "id": f"membership/{mandate.id}",
                **({"person_id": f"person/{mandate.member_id}"} if mandate.member_id is not None else {}),
                "post_id": posts[(mandate.area_code, mandate.title)],
                "role": mandate.title,
                "area_id": f"area/{mandate.area_code}",
                "start_date": mandate.start.date().isoformat(),
                **({"end_date": mandate.end.date().isoformat()} if mandate.end is not None else {}),
            }
            for mandate in record.mandates
        ],
    }


_Handler = Callable[[Request], Awaitable[Response]]


def routes() -> list[BaseRoute]:
    """The export routes, sharing one rate limit per app."""
    buckets = TokenBuckets(EXPORT_RATE, EXPORT_BURST)

    def limit(handler: _Handler) -> _Handler:
        return limited(buckets, handler, message="Too many exports")

    async def initiatives_json(request: Request) -> Response:
        state = web_state(request)
        items = await run_in_threadpool(open_data.all_initiatives, state.runtime.uow())
        body = json.dumps(osdi_petitions(state.base_url, items), ensure_ascii=False, indent=1).encode()
        return conditional_response(request, body, "application/hal+json")

    async def initiatives_table(request: Request) -> Response:
        state = web_state(request)
        items = await run_in_threadpool(open_data.all_initiatives, state.runtime.uow())
        body = initiatives_csv(state.base_url, items).encode()
        return conditional_response(
            request,
            body,
            "text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="initiatives.csv"'},
        )

    async def officials(request: Request) -> Response:
        state = web_state(request)
        record = await run_in_threadpool(open_data.officials_record, state.runtime.uow())
        body = json.dumps(popolo(record), ensure_ascii=False, indent=1).encode()
        return conditional_response(request, body, "application/json")

    return [
        Route("/export/initiatives.json", limit(initiatives_json), methods=["GET", "HEAD"]),
        Route("/export/initiatives.csv", limit(initiatives_table), methods=["GET", "HEAD"]),
        Route("/export/officials.popolo.json", limit(officials), methods=["GET", "HEAD"]),
    ]
