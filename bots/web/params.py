"""Numbers read from the address: a malformed one is a 400 saying what was
expected, a well-formed one that cannot be an id is a 404, never a 500."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from bots.web.templating import translator
from core.domain.text import ID_MAX, id_in_range

__all__ = ["PAGE_MAX", "number", "page_number", "path_id"]

#: Pages past this are no list anyone pages through (and keep OFFSET small).
PAGE_MAX = 10_000
#: Past this many digits a number is only "too large" (and int() stays cheap).
_DIGITS_MAX = 30


def number(request: Request, raw: str | None, *, name: str) -> int:
    """A number written in ASCII digits, else a 400; a longer one than any
    id reads as ID_MAX + 1 (no row has it)."""
    if raw is None or not raw.isascii() or not raw.isdigit():
        raise HTTPException(400, translator(request)("web.error.bad_number", name=name))
    return int(raw) if len(raw) <= _DIGITS_MAX else ID_MAX + 1


def path_id(request: Request, name: str = "id") -> int:
    """The id in the path parameter ``name``: 400 if not a number, 404 if no row can have it."""
    found = number(request, request.path_params.get(name), name=name)
    if not id_in_range(found):
        raise HTTPException(404)
    return found


def page_number(request: Request) -> int:
    """``?page=N`` (from 1) as the services' page (from 0); 0 when absent."""
    raw = request.query_params.get("page")
    if raw is None:
        return 0
    found = number(request, raw, name="page")
    if not 1 <= found <= PAGE_MAX:
        raise HTTPException(400, translator(request)("web.error.bad_page", max=PAGE_MAX))
    return found - 1
