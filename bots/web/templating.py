"""Server-rendered pages: Jinja2 with autoescape on for every template, so
anything a member wrote shows as text (a title ``<script>`` is not run)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bots.web.language import language_of
from bots.web.state import web_state
from core.presentation.i18n import LANGUAGES, Translator, format_number

__all__ = ["page", "templates", "translator"]


def templates() -> Environment:
    """The page templates (bots/web/templates), autoescaped whatever their name."""
    environment = Environment(
        loader=PackageLoader("bots.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


def translator(request: Request) -> Translator:
    """The request's language (``?lang=``, Accept-Language) in the deployment's time zone."""
    settings = web_state(request).settings
    return Translator(language_of(request, settings.default_language), settings.default_time_zone)


def page(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """The template ``name`` rendered in the request's language.

    Every template gets ``t`` (the translator), ``lang``, ``number`` (a
    number written the language's way), ``base_url``, ``path`` and
    ``languages`` (links to this page in each language)."""
    state = web_state(request)
    t = translator(request)
    lang = t.language
    languages = []
    for code in LANGUAGES:
        url = request.url.include_query_params(lang=code)
        languages.append((code, f"{url.path}?{url.query}"))
    body = state.templates.get_template(name).render(
        t=t,
        lang=lang,
        number=lambda value: format_number(value, lang),
        base_url=state.base_url,
        path=request.url.path,
        languages=languages,
        **context,
    )
    headers = {"Content-Language": lang, "Vary": "Accept-Language"}
    return HTMLResponse(body, status_code=status_code, headers=headers)
