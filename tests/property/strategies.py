"""Generated input: what people type, what forged buttons carry, what
platforms send. The families below are the ones that broke the core before
(issue 7, "Robustness"); each has its own strategy so a known defect can be
switched off by name (see KNOWN_OPEN in test_chat.py)."""

from __future__ import annotations

from enum import StrEnum

from hypothesis import strategies as st

import core.domain.areas
import core.domain.initiatives
import core.domain.members
import core.domain.moderation
import core.domain.reputation
import core.domain.responses
import core.domain.supports
from tests.property.world import World

__all__ = ["FAMILIES", "arguments", "language_codes", "number", "payload_parts", "platform_ids", "token"]

#: Digits to str.isdigit() that int() refuses, or that int() reads.
UNICODE_DIGITS = ("²", "①", "³", "٣", "𝟙", "¹²", "1²", "٤٢", "৪")
#: Integers no column holds (64-bit and beyond), and their neighbours.
HUGE_INTEGERS = (
    str(2**31),
    str(2**62),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 18,
    "123456789012345678",
    "9" * 19,
    "9" * 40,
    "-1",
    "-9223372036854775809",
    "0",
    "00",
    "1e3",
    "0x10",
)
#: What neither database takes, or only one of them.
UNSTORABLE = ("\x00", "\ud800", "\udfff", "\ud83d", "ly\x00on", "Lyon\ud800", "1\x00", "\x00\x00")
#: Accepted words of every choice (enums of the domain), in both languages' forms.
_WORDS = str.split("""
    i c p r m o e f t new near trending topic all week month semaine mois nouvelles national mobilité
    environnement daily weekly off on fr en de Europe/Paris UTC Mars/Olympus member comment post initiative
    response remove dismiss restore suspend warn spam off_topic in_action achieved 7 30 permanent 18h30 9:30
    25:99 22:00 08:00
""")


def _domain_words() -> list[str]:
    words = set(_WORDS)
    for module in (
        core.domain.areas,
        core.domain.initiatives,
        core.domain.members,
        core.domain.moderation,
        core.domain.reputation,
        core.domain.responses,
        core.domain.supports,
    ):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                words.update(member.value for member in value)
    return sorted(words)


WORDS = _domain_words()

#: Any text, surrogates and controls included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
#: Very long strings, built cheaply (hypothesis would take long to draw them).
long_text = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(("a", "é", "9", "🌳", " ", "\x00", "ab cd ", "Lyon ")),
    st.integers(min_value=65, max_value=12_000),
)


def _ids(world: World) -> st.SearchStrategy[int]:
    known = sorted({i for ids in world.ids.values() for i in ids if i < 200})
    return st.sampled_from(known) if known else st.integers(1, 50)


def id_forms(world: World) -> st.SearchStrategy[str]:
    """Ids of existing rows (hidden and removed content included), as people write them."""
    return st.builds(
        lambda prefix, value: f"{prefix}{value}", st.sampled_from(("", "", "#", "n°", "N°", " ")), _ids(world)
    )


#: The families, by name: a strategy of one token each.
def _families(world: World) -> dict[str, st.SearchStrategy[str]]:
    return {
        "ids": id_forms(world),
        "names": st.sampled_from(world.names),
        "words": st.sampled_from(WORDS),
        "unicode_digits": st.sampled_from(UNICODE_DIGITS),
        "huge_integers": st.sampled_from(HUGE_INTEGERS),
        "unstorable": st.sampled_from(UNSTORABLE),
        "any_text": any_text,
        "long_text": long_text,
        "empty": st.just(""),
    }


FAMILIES = (
    "ids",
    "names",
    "words",
    "unicode_digits",
    "huge_integers",
    "unstorable",
    "any_text",
    "long_text",
    "empty",
)


def _pick(world: World, names: tuple[str, ...], excluded: frozenset[str]) -> st.SearchStrategy[str]:
    families = _families(world)
    return st.one_of([families[name] for name in names if name not in excluded])


def token(world: World, excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """One word of any family."""
    return _pick(world, FAMILIES, excluded)


def number(world: World, excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """What most arguments and payload parts are: a number, real or not."""
    return _pick(world, ("ids", "huge_integers", "unicode_digits"), excluded)


#: Before a number: how people and links write ids ("#12", "n°12"), start
#: tokens ("i12", "report-i-12", "p-j-12") and signs.
PREFIXES = ("", "#", "n°", "i", "report-i-", "p-j-", "p-md-", "p-pg-new-", "-", "+")


def arguments(world: World, excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """A command's arguments or a message: mostly a number first (most
    commands take an id or a page), then up to three words of any family."""
    lead = st.one_of(
        number(world, excluded),
        st.builds(lambda prefix, n: prefix + n, st.sampled_from(PREFIXES), number(world, excluded)),
        token(world, excluded),
    )
    return st.one_of(
        st.builds(
            lambda first, rest: " ".join([first, *rest]), lead, st.lists(token(world, excluded), max_size=3)
        ),
        st.lists(token(world, excluded), max_size=4).map(" ".join),
    )


def payload_parts(world: World, excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """One part of a forged button payload (between colons)."""
    parts = st.one_of(_ids(world).map(str), number(world, excluded), token(world, excluded))
    return parts.map(lambda part: part.replace(":", ""))


def platform_ids(excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str]:
    """A person's id as a platform might send it (never empty: the front end checks that)."""
    options = [
        st.from_regex(r"[0-9]{1,20}", fullmatch=True),
        st.sampled_from(("9" * 64, "9" * 65, "x" * 300)),
    ]
    if "unstorable" not in excluded:
        options.append(st.sampled_from(UNSTORABLE))
    if "any_text" not in excluded:
        options.append(any_text.filter(bool))
    return st.one_of(options)


def language_codes(excluded: frozenset[str] = frozenset()) -> st.SearchStrategy[str | None]:
    options: list[st.SearchStrategy[str | None]] = [
        st.sampled_from((None, "", "fr", "en", "fr-FR", "en-US", "pt_BR", "de", "x" * 17, "fr-" + "x" * 40)),
    ]
    if "unstorable" not in excluded:
        options.append(st.sampled_from(("fr\x00", "en\ud800")))
    if "any_text" not in excluded:
        options.append(any_text)
    return st.one_of(options)
