"""Every word shown to people exists in French and English."""

from __future__ import annotations

import string

import pytest
from babel.numbers import format_decimal

from core.presentation.commands import visible_commands
from core.presentation.i18n import LANGUAGES, Translator, catalog, format_number, translate


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def forms(entry: str | dict[str, str]) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    problems = []
    for key, entries in catalog().items():
        missing = [lang for lang in LANGUAGES if lang not in entries]
        if missing:
            problems.append(f"{key}: missing {missing}")
            continue
        names = {lang: set().union(*(placeholders(f) for f in forms(entries[lang]))) for lang in LANGUAGES}
        if names["fr"] != names["en"]:
            problems.append(f"{key}: placeholders differ {names}")
        for lang in LANGUAGES:
            entry = entries[lang]
            if isinstance(entry, dict) and not {"one", "other"} <= set(entry):
                problems.append(f"{key}/{lang}: plural needs one and other")
    assert problems == []


def test_plurals_follow_each_language() -> None:
    key = "initiative.volunteers"
    assert translate("fr", key, count=0) == "0 volontaire"  # French: 0 and 1 are singular
    assert translate("fr", key, count=1) == "1 volontaire"
    assert translate("fr", key, count=2) == "2 volontaires"
    assert translate("en", key, count=0) == "0 volunteers"
    assert translate("en", key, count=1) == "1 volunteer"


def test_numbers_are_formatted_per_language() -> None:
    assert translate("en", "initiative.volunteers", count=10000) == "10,000 volunteers"
    assert translate("fr", "initiative.volunteers", count=10000) == "10\u202f000 volontaires"


@pytest.mark.parametrize("language", LANGUAGES)
def test_small_numbers_written_without_babel_are_what_babel_writes(language: str) -> None:
    # format_number skips Babel below 1,000 and caches the rest.
    for value in [*range(1000), 1000, 12_345, 10**20, 2.5, -3, 1.0]:
        assert format_number(value, language) == format_decimal(value, locale=language), value


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_has_help_in_both_languages(language: str) -> None:
    t = Translator(language)
    for spec in visible_commands():
        assert t.has(spec.help_key), spec.name
        for parameter in spec.parameters:
            assert t.has(f"{parameter.message_key}.name"), (spec.name, parameter.name)
            assert t.has(f"{parameter.message_key}.description"), (spec.name, parameter.name)
            for code in parameter.choices:
                assert t.has(f"choice.{parameter.group or parameter.name}.{code}.words"), (spec.name, code)


def test_ids_are_labels_not_quantities() -> None:
    assert translate("en", "error.initiative_not_found", id=12345) == "There is no initiative #12345."


def test_dates_show_minutes_in_the_members_time_zone() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 3, 2, 17, 5, tzinfo=UTC)
    assert (
        translate("fr", "initiative.footer", tz="Europe/Paris", created=moment)
        == "Proposée le 2 mars 2026 18:05"
    )
    assert (
        translate("en", "initiative.footer", tz="Europe/Paris", created=moment)
        == "Proposed on Mar 2, 2026 6:05\u202fPM"
    )


def test_french_punctuation_is_set_as_french_typography_wants() -> None:
    """A non-breaking space before : ; ! ? and inside « », never a plain one
    (a plain space lets a line break before the colon)."""
    plain = []
    for key, entries in catalog().items():
        french = entries.get("fr")
        for text in french.values() if isinstance(french, dict) else [french]:
            if isinstance(text, str) and any(bad in text for bad in (" :", " ;", " !", " ?", "« ", " »")):
                plain.append(key)
    assert not plain, plain
