"""Text as members type it: normalised for storage, folded for search."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from core.errors import InvalidInput

__all__ = [
    "ID_MAX",
    "clean_input",
    "clean_text",
    "fold",
    "id_in_range",
    "language_tag",
    "similarity",
    "typed_number",
]

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NON_WORD = re.compile(r"[^\w]+")
#: Code points no database takes: NUL (PostgreSQL refuses it in text) and
#: lone surrogates (not encodable as UTF-8, so no driver can send them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: A BCP 47 language tag as platforms send it ("fr", "en-US", "pt_BR").
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")
LANGUAGE_TAG_MAX = 16


def clean_input(value: str) -> str:
    """``value`` without the code points no database can store or compare.

    Applied to every string entering the core from a front end (commands,
    text, payloads, queries), so a stray NUL or half of a surrogate pair in
    a lookup behaves the same on SQLite and PostgreSQL: as if absent.
    """
    return _UNSTORABLE.sub("", value)


def language_tag(code: str | None) -> str | None:
    """A platform's language code if it looks like one (at most 16
    characters, letters, digits and dashes), else None: the platform's
    field is a hint, never trusted."""
    if code is None or len(code) > LANGUAGE_TAG_MAX or not _LANGUAGE_TAG.fullmatch(code):
        return None
    return code


def clean_text(value: str, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Return ``value`` as it will be stored: NFC, without control characters.

    Raises InvalidInput (with the field's name and limit) when the result is
    empty or longer than ``max_length`` characters. Escaping is the
    renderer's job, never done here.
    """
    text = unicodedata.normalize("NFC", value)
    kept = []
    for char in text:
        if char == "\n" and multiline:
            kept.append(char)
        elif char in "\t\n\r":
            kept.append(" ")
        elif (
            unicodedata.category(char) in ("Cc", "Cs", "Co")
            or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ):
            continue  # controls, surrogates, private use, bidi overrides
        else:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        text = _SPACES.sub(" ", text).strip()
    if not text:
        raise InvalidInput("error.text_empty", field=field)
    if len(text) > max_length:
        raise InvalidInput("error.text_too_long", field=field, max=max_length, length=len(text))
    return text


def fold(value: str) -> str:
    """Accent-, case- and punctuation-insensitive key: "Saint-Étienne" -> "saint etienne"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).replace("_", " ").split())


def similarity(a: str, b: str) -> float:
    """How alike two titles are, 0..1, on their folded forms."""
    return SequenceMatcher(None, fold(a), fold(b)).ratio()


#: The largest id anyone can type: 18 digits fit every database's 64-bit
#: integer. A larger number is no such thing, and never reaches a query.
ID_MAX = 10**18 - 1

_NUMBER_PREFIXES = ("#", "n°", "N°", "no.", "No.")


def typed_number(text: str) -> int | None:
    """A non-negative number written in ASCII digits ("12", "#12", "n°12"),
    or None: "²" and "①" pass str.isdigit() but are no number anyone typed
    (and crash int()). Past 30 digits the exact value no longer matters (and
    int() refuses past 4,300): it reads as 10**30."""
    token = text.strip()
    for prefix in _NUMBER_PREFIXES:
        if token.startswith(prefix):
            token = token[len(prefix) :].strip()
            break
    if not token or not token.isascii() or not token.isdigit():
        return None
    return int(token) if len(token) <= 30 else 10**30


def id_in_range(number: int) -> bool:
    """Whether a typed number can be a row's id at all (0 and numbers beyond
    64 bits cannot: they are no such thing, never a query)."""
    return 1 <= number <= ID_MAX
