"""The page's language: ``?lang=`` first, then Accept-Language, then the
deployment's default. No cookie: reading needs none."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from core.presentation.i18n import LANGUAGES

__all__ = ["language_of", "parse_accept_language"]


def parse_accept_language(header: str) -> list[str]:
    """The primary language tags of an Accept-Language header, best first
    ("fr-CA,fr;q=0.9,en;q=0.5" -> ["fr", "fr", "en"]); malformed parts are skipped."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary and quality > 0:
            weighted.append((-quality, position, primary))
    return [tag for _, _, tag in sorted(weighted)]


def language_of(connection: HTTPConnection, default: str) -> str:
    """``fr`` or ``en`` for this request."""
    asked = connection.query_params.get("lang", "").strip().lower()
    if asked in LANGUAGES:
        return asked
    for tag in parse_accept_language(connection.headers.get("accept-language", "")):
        if tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else "en"
