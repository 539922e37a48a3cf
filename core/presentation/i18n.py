"""French and English catalogs with CLDR plurals, numbers and dates (Babel).

Messages live in messages/*.toml, one file per feature, both languages side by
side so a missing translation shows at a glance (and fails a test)::

    [support.count]
    en = { one = "{count} supporter", other = "{count} supporters" }
    fr = { one = "{count} soutien", other = "{count} soutiens" }

Placeholders use str.format names. An ``int`` or ``float`` parameter is
formatted for the language ("10 000" in French) unless it names an id
(``id``, ``*_id``, ``line``); a ``count`` parameter picks
the plural form; a ``datetime`` is formatted as a medium date-time in the
member's time zone when one is given.
"""

from __future__ import annotations

import decimal
import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from core.domain.members import LANGUAGES, is_forgotten
from core.presentation.cards import Field

__all__ = ["LANGUAGES", "Translator", "catalog", "format_number", "translate"]

MESSAGES = Path(__file__).parent / "messages"

Entry = str | dict[str, str]


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Entry]]:
    """key -> {language -> template or plural forms}, from every messages/*.toml."""
    merged: dict[str, dict[str, Entry]] = {}
    for path in sorted(MESSAGES.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        _flatten(data, "", merged, path)
    return merged


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, dict[str, Entry]], path: Path) -> None:
    if _is_message(node):
        key = prefix.rstrip(".")
        if key in out:
            raise ValueError(f"message {key!r} defined twice (again in {path.name})")
        out[key] = {lang: node[lang] for lang in LANGUAGES if lang in node}
        return
    for name, child in node.items():
        if not isinstance(child, dict):
            raise ValueError(f"{path.name}: {prefix}{name} is not a message table")
        _flatten(child, f"{prefix}{name}.", out, path)


_PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})


def _is_message(node: dict[str, Any]) -> bool:
    """A message's languages, not a table of messages: a table may name a
    message "fr" or "en" (``choice.language.fr.words``)."""
    entries = [node[lang] for lang in LANGUAGES if lang in node]
    return bool(entries) and all(
        isinstance(e, str) or (isinstance(e, dict) and set(e) <= _PLURAL_FORMS) for e in entries
    )


def format_number(value: int | float, language: str) -> str:
    """``value`` written the language's way. Any integer a person can type
    formats: Babel rounds in the current decimal context, whose 28 digits a
    typed "page 10^40" would overflow (decimal.InvalidOperation)."""
    if type(value) is int and 0 <= value < 1000:
        # Counts, pages and goals are mostly small, and Babel takes tens of
        # microseconds for each (a /browse card shows a dozen): below 1,000
        # there is no group separator, so every shipped language writes the
        # digits as they are (tests/unit/test_i18n.py checks it against Babel).
        return str(value)
    return _format_decimal(value, language)


@lru_cache(maxsize=4096, typed=True)
def _format_decimal(value: int | float, language: str) -> str:
    # The same goals, counts and totals come back card after card.
    with decimal.localcontext() as context:
        context.prec = max(context.prec, len(str(abs(int(value)))) + 10)
        return format_decimal(value, locale=language)


def translate(language: str, key: str, /, tz: str | None = None, **params: Any) -> str:
    """The message ``key`` in ``language`` (falling back to English, then to the key)."""
    if not params:
        # Most messages of a card are labels without parameters: each is
        # the same string every time.
        return _label(language, key)
    return _translated(language, key, tz, params)


@lru_cache(maxsize=4096)
def _label(language: str, key: str) -> str:
    return _translated(language, key, None, {})


def _translated(language: str, key: str, tz: str | None, params: dict[str, Any]) -> str:
    entries = catalog().get(key)
    if entries is None:
        return key
    lang = language if language in entries else "en"
    entry = entries.get(lang) or next(iter(entries.values()))
    if isinstance(entry, dict):
        count = params.get("count", 0)
        form = _plural_form(lang, abs(count) if isinstance(count, int | float) else 0)
        template = entry.get(form) or entry.get("other") or next(iter(entry.values()))
    else:
        template = entry
    shown = {name: _show(name, value, lang, tz) for name, value in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError, ValueError):
        return template


@lru_cache(maxsize=4096)
def _plural_form(language: str, count: int | float) -> str:
    # Babel parses the locale and evaluates its CLDR rule at every call.
    return str(Locale.parse(language).plural_form(count))


def _is_identifier(name: str) -> bool:
    """Ids and line numbers are labels, not quantities: "#1234", not "#1,234"."""
    return name in ("id", "line", "code") or name.endswith("_id")


def _show(name: str, value: Any, language: str, tz: str | None) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value) if _is_identifier(name) else format_number(value, language)
    if isinstance(value, datetime):
        zone = ZoneInfo(tz) if tz else None
        local = value.astimezone(zone) if zone else value
        # A medium date and a short time: minutes are enough for people.
        return (
            f"{format_date(local, 'medium', locale=language)} {format_time(local, 'short', locale=language)}"
        )
    if isinstance(value, date):
        return format_date(value, "medium", locale=language)
    return value


class Translator:
    """``t = Translator("fr", "Europe/Paris"); t("support.count", count=2)``."""

    def __init__(self, language: str, time_zone: str | None = None) -> None:
        self.language = language if language in LANGUAGES else "en"
        self.time_zone = time_zone

    def __call__(self, key: str, /, **params: Any) -> str:
        return translate(self.language, key, tz=self.time_zone, **params)

    def has(self, key: str) -> bool:
        return key in catalog()

    def member_name(self, name: str) -> str:
        """A member's name as shown, the one rule for it: a forgotten
        member's (``is_forgotten``, an empty name) reads "former member" in
        this language, never an empty string."""
        return self("privacy.former_member") if is_forgotten(name) else name

    def field(self, label: str, value: str, *, inline: bool = True) -> Field:
        """A card's field with this language's separator between label and
        value (French puts a non-breaking space before the colon)."""
        return Field(label, value, inline=inline, separator=self("field_separator"))
