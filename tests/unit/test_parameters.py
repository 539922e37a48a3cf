"""Typed command parameters: each kind read once, with one clear error.

The bad inputs are those generated input found: Unicode digits that pass
str.isdigit() ("²", "①"), numbers beyond 64 bits, forged payloads with empty
parts, choices typed in the member's language, pages past the end.
"""

from __future__ import annotations

import pytest

from core.config import Settings
from core.domain.members import Identity
from core.domain.text import fold
from core.errors import InvalidInput, NotFound, StaleAction
from core.presentation.cards import Reply
from core.presentation.commands import CommandSpec, default_catalog
from core.presentation.context import Context, Speaker
from core.presentation.i18n import Translator
from core.presentation.parameters import ID_MAX, Kind, choice_words, parse_id, parse_text, parse_values
from core.presentation.payloads import int_arg, page_arg, parse
from core.services.members import MemberView
from tests.support import People, is_error, propose, text_of

CATALOG = default_catalog()
UNICODE_DIGITS = ["²", "①", "١٢", "１２", "߁"]
TOO_LARGE = ["999999999999999999999", "9223372036854775808", str(2**64), "1" * 40]


def context(language: str = "en") -> Context:
    """A context for kinds that need no database (the uow fails the test)."""
    member = MemberView(1, "Ada", language, "Europe/Paris", frozenset(), None, False)
    return Context(
        speaker=Speaker(Identity("test", "1"), "Ada"),
        member=member,
        settings=Settings(),
        uow_factory=lambda: pytest.fail("no database in this test"),
        t=Translator(language),
        catalog=CATALOG,
    )


def spec(name: str) -> CommandSpec:
    found = CATALOG.command(name)
    assert found is not None
    return found


def with_id_parameter() -> list[tuple[str, str]]:
    """(command, parameter) of every required id parameter of the catalog."""
    ids = {Kind.INITIATIVE, Kind.DECISION, Kind.REVIEW_ITEM}
    return [
        (s.name, p.name)
        for s in CATALOG.commands.values()
        for p in s.parameters
        if p.kind in ids and p.required and p is s.parameters[0]
    ]


# --- numbers -----------------------------------------------------------------


@pytest.mark.parametrize("digits", UNICODE_DIGITS)
@pytest.mark.parametrize(("command", "parameter"), with_id_parameter())
def test_unicode_digits_are_no_number_and_the_hint_names_the_command(
    command: str, parameter: str, digits: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_text(context(), spec(command), digits)
    assert f"/{command} " in caught.value.params["example"]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_number_too_large_for_an_id_is_no_such_thing(number: str) -> None:
    with pytest.raises(NotFound) as caught:
        parse_text(context(), spec("join"), number)
    assert caught.value.key == "error.initiative_not_found"
    with pytest.raises(NotFound) as decision:
        parse_text(context(), spec("appeal"), f"{number} because")
    assert decision.value.key == "error.decision_not_found"
    with pytest.raises(NotFound):
        parse_text(context(), spec("decide"), f"{number} hide")
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id("#12") == parse_id("n°12") == 12


def test_ids_accept_ascii_digits_only() -> None:
    assert parse_text(context(), spec("join"), "#42") == {"initiative": 42}
    for digits in UNICODE_DIGITS:
        assert parse_id(digits) is None
    with pytest.raises(NotFound):
        parse_id("0")


@pytest.mark.parametrize("digits", ["²", "①", "", "-1", "1.5", "9" * 19])
def test_payload_numbers_are_ascii_and_bounded(digits: str) -> None:
    with pytest.raises(StaleAction):
        int_arg([digits])


def test_page_presses_beyond_any_list_are_clamped_before_the_database() -> None:
    assert page_arg(["4611686018427387904"], 0) == page_arg(["100001"], 0)
    assert page_arg(["3"], 0) == 3


@pytest.mark.parametrize("payload", ["v1:pg:new::0", "v1:s:", "v1::1", "v1:md:1::7", "v1:tl:4:"])
def test_forged_payloads_with_empty_parts_are_no_longer_valid(payload: str) -> None:
    with pytest.raises(StaleAction):
        parse(payload)


# --- choices -----------------------------------------------------------------


def _variants(word: str) -> set[str]:
    """The word, in capitals, and without its accents."""
    return {word, word.upper(), fold(word), word.capitalize()}


def every_choice() -> list[tuple[str, str]]:
    return [
        (s.name, p.name) for s in CATALOG.commands.values() for p in s.parameters if p.kind is Kind.CHOICE
    ]


@pytest.mark.parametrize(("command", "parameter"), every_choice())
def test_every_choice_accepts_its_words_in_both_languages_and_its_code(command: str, parameter: str) -> None:
    found = spec(command).parameter(parameter)
    group = found.group or found.name
    for code in found.choices:
        for language in ("fr", "en"):
            from core.presentation.i18n import translate

            words = translate(language, f"choice.{group}.{code}.words").split("|")
            assert words and not words[0].startswith("choice."), (group, code, language)
            for word in [code, *words]:
                for variant in _variants(word):
                    if " " in variant:
                        continue  # typed text splits on spaces; options take it whole
                    values = parse_values(
                        context(), spec(command), _required_with(command, parameter, variant)
                    )
                    assert values[parameter] == code, (command, variant)
        assert fold(code) in choice_words(group, code)


def _required_with(command: str, parameter: str, value: str) -> dict[str, str]:
    """Values for the other required parameters, and ``value`` for ``parameter``."""
    given = {}
    for p in spec(command).parameters:
        if p.required and p.kind is Kind.INITIATIVE:
            given[p.name] = "12"
        elif p.required and p.kind is Kind.REVIEW_ITEM:
            given[p.name] = "3"
    given[parameter] = value
    return given


@pytest.mark.parametrize(
    ("command", "typed", "expected"),
    [
        ("top", "semaine", {"period": "week", "area": None}),
        ("top", "mois", {"period": "month", "area": None}),
        ("browse", "nouvelles", {"listing": "new", "query": None}),
        ("browse", "nouveautés", {"listing": "new", "query": None}),
        ("browse", "Tendances", {"listing": "trending", "query": None}),
        ("browse", "thème mobilité", {"listing": "topic", "query": "mobilité"}),
        ("browse", "vélo école", {"listing": None, "query": "vélo école"}),
        ("progress", "12 réalisée", {"initiative": 12, "status": "achieved"}),
        ("progress", "12 en_action", {"initiative": 12, "status": "in_action"}),
        ("digest", "hebdo", {"frequency": "weekly", "time": None}),
        ("digest", "heure 08:30", {"frequency": None, "time": "08:30"}),
        ("digest", "08:30", {"frequency": None, "time": "08:30"}),
        ("lang", "français", {"language": "fr"}),
        (
            "decide",
            "3 suspendre définitif menaces",
            {"item": 3, "action": "suspend", "days": "définitif", "reason": "menaces"},
        ),
        ("decide", "3 masquer 7 spam", {"item": 3, "action": "hide", "days": None, "reason": "7 spam"}),
        ("follow", "thème environnement", {"initiative": None, "area": None, "topic": "environment"}),
        ("follow", "topic Mobilite", {"initiative": None, "area": None, "topic": "mobility"}),
        ("report", "12", {"initiative": 12, "post": None, "comment": None, "response": None, "member": None}),
        (
            "report",
            "commentaire 4",
            {"initiative": None, "post": None, "comment": 4, "response": None, "member": None},
        ),
    ],
)
def test_typed_text_is_read_in_either_language(command: str, typed: str, expected: dict[str, object]) -> None:
    assert parse_text(context("fr"), spec(command), typed) == expected


def test_an_unknown_topic_lists_the_topics_in_the_members_language() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_text(context("fr"), spec("follow"), "thème licornes")
    assert "Mobilité" in caught.value.params["choices"]
    assert caught.value.params["example"] == "/follow thème mobilité"


def test_separate_values_are_read_by_the_same_kinds() -> None:
    assert parse_values(context(), spec("join"), {"initiative": "#7"}) == {"initiative": 7}
    with pytest.raises(InvalidInput):
        parse_values(context(), spec("join"), {"initiative": "①"})
    with pytest.raises(InvalidInput):
        parse_values(context(), spec("join"), {})
    with pytest.raises(InvalidInput):
        parse_values(context(), spec("join"), {"initiative": "7", "colour": "blue"})


def test_the_catalog_lists_every_command_parameter_press_and_flow() -> None:
    assert {"join", "report", "decide", "top"} <= set(CATALOG.commands)
    assert {"j", "pg", "md", "tl"} <= set(CATALOG.presses)
    assert {"propose", "report", "appeal"} <= set(CATALOG.flows)
    for command in CATALOG.commands.values():
        for language in ("fr", "en"):
            assert command.usage(language).startswith(f"/{command.name}")
            for p in command.parameters:
                assert p.label(language) and not p.label(language).startswith("param.")
                assert p.description(language) and not p.description(language).startswith("param.")


def test_a_catalog_refuses_a_name_given_twice() -> None:
    from core.presentation.commands import Catalog

    join = spec("join")
    with pytest.raises(ValueError, match="twice"):
        Catalog.build([join, join], [], [])


# --- through the chat, on both databases ---------------------------------------


def test_hints_name_the_command_typed(people: People) -> None:
    reply = people["ann"].say("/join abc")
    assert is_error(reply) and "/join 12" in text_of(reply) and "/show" not in text_of(reply)
    assert "/volunteer 12" in text_of(people["ann"].say("/volunteer ²"))
    assert "/timeline 12" in text_of(people["ann"].say("/timeline ①"))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/modlog 999999999999999999", "no moderation decision yet"),
        ("/official 9223372036854775808", "no member"),
        ("/start i9999999999999999999", "no initiative"),
        ("/show 99999999999999999999999", "no initiative"),
        ("/appeal 9223372036854775808 unfair", "no decision"),
        ("/report comment 9223372036854775808", "no comment"),
        ("/area #9223372036854775808", "No area"),
        ("/top #99999999999999999999", "No area"),
        ("/officials #²", "No area"),
    ],
)
def test_numbers_beyond_64_bits_never_reach_the_database(people: People, line: str, expected: str) -> None:
    people["ann"].say("/start")
    reply = people["ann"].say(line)
    assert expected.lower() in text_of(reply).lower(), text_of(reply)


def test_page_presses_and_pages_past_the_end_say_so(people: People) -> None:
    initiative = propose(people, "ann")
    reply = people["ann"].say(f"/timeline {initiative} 3")
    assert is_error(reply) and "no page 3" in text_of(reply) and "Page 3 of" not in text_of(reply)
    pressed = people["ann"].press_payload(f"v1:tl:{initiative}:{2**62}:e")
    assert is_error(pressed) and "Page" not in text_of(pressed).split("no page")[0]
    assert not is_error(people["ann"].press_payload(f"v1:ml:{2**62}"))  # an empty log says so
    assert "no longer valid" in text_of(people["ann"].press_payload("v1:pg:new::0"))
    past = people["ann"].press_payload(f"v1:pg:new:0:{2**62}")
    assert is_error(past) and "the list has 1 page" in text_of(past)


def test_a_page_of_any_length_is_answered(people: People) -> None:
    """Numbers past the 28 digits of Python's decimal context still format
    in the answer (Babel rounds in that context)."""
    initiative = propose(people, "ann")
    huge = "9" * 29
    past = people["ann"].say(f"/timeline {initiative} {huge}")
    assert is_error(past) and f"no page {int(huge):,}" in text_of(past)
    longer = people["ann"].say(f"/timeline {initiative} {'9' * 5000}")
    assert is_error(longer) and "the list has 1 page" in text_of(longer)
    assert "No moderation decision yet" in text_of(people["ann"].say(f"/modlog {huge}"))
    assert is_error(people["ann"].say(f"/queue {huge}"))  # ann moderates nothing: refused, no crash
    fr = people["zoé"]
    fr.language = "fr"
    assert "999\u202f999" in text_of(fr.say(f"/timeline {initiative} {huge}"))


def test_national_typed_at_the_area_step_chooses_it(people: People) -> None:
    person = people["ann"]
    person.say("/propose")
    person.say("Trees on the village square")
    person.say("The square has no shade in summer; plant ten lime trees.")
    reply = person.say("National")
    assert not is_error(reply) and "topic" in text_of(reply).lower(), text_of(reply)


def test_choices_in_french_through_the_chat(people: People) -> None:
    fr = people["zoé"]
    fr.language = "fr"
    assert not is_error(fr.say("/top semaine"))
    assert not is_error(fr.say("/top mois"))
    assert not is_error(fr.say("/browse nouvelles"))
    assert not is_error(fr.say("/browse topic mobilité"))
    followed = fr.say("/follow topic environnement")
    assert not is_error(followed) and "Environnement" in text_of(followed)


def test_members_are_found_by_name_number_or_platform_id(people: People) -> None:
    bob = people["bob"]
    bob.say("/start")
    reporter = people["ann"]
    asked = reporter.say("/report member bob")
    assert not is_error(asked), text_of(asked)
    reporter.say("/cancel")
    assert not is_error(reporter.say(f"/report member #{bob.member_id}"))
    reporter.say("/cancel")
    assert not is_error(reporter.say("/report member test:bob"))
    reporter.say("/cancel")
    unknown = reporter.say("/report member nobody")
    assert is_error(unknown) and "No member is called “nobody”" in text_of(unknown)


def test_an_ambiguous_name_is_answered_with_every_member_of_that_name(people: People) -> None:
    from core.services import members

    first = people["lou"]
    first.say("/start")
    other = people["lou2"]
    other.say("/start")
    with people.chat.uow_factory() as uow:
        member = members.get_member(uow, other.member_id)
        member.display_name = "Lou"
        uow.commit()
    reply = people["ann"].say("/official lou")
    text = text_of(reply)
    assert is_error(reply) and f"#{first.member_id}" in text and f"#{other.member_id}" in text


def test_suggestions_come_from_the_core(people: People) -> None:
    initiative = propose(people, "ann", title="Trees on the village square")
    speaker = people["ann"].speaker
    chat = people.chat
    found = chat.complete(speaker, "join", "initiative", "village")
    assert [s.value for s in found] == [str(initiative)]
    areas = chat.complete(speaker, "officials", "area", "Lyon")
    assert areas and all(s.value.startswith("#") for s in areas)
    assert chat.complete(speaker, "follow", "topic", "mob")[0].value == "mobility"
    assert [s.value for s in chat.complete(speaker, "top", "period", "sem")] == ["week"]
    assert chat.complete(speaker, "official", "member", "an")[0].label.startswith("ann")
    assert chat.complete(speaker, "nope", "x", "") == []
    # What is suggested is read back by the same kind.
    reply = chat.invoke(speaker, "officials", {"area": areas[0].value})
    assert not is_error(reply), text_of(reply)
    shown = chat.invoke(speaker, "show", {"initiative": found[0].value})
    assert "Trees on the village square" in text_of(shown)


# --- the front ends read every command through the parameters --------------------


def test_the_terminal_chat_reads_every_command_through_its_parameters(people: People) -> None:
    from bots.console.session import ConsoleSession

    session = ConsoleSession(people.chat, "ann", language="en")
    for spec_ in CATALOG.commands.values():
        first = spec_.parameters[0] if spec_.parameters else None
        reply = session.handle(f"/{spec_.name} ²")
        assert reply is not None
        assert "Something went wrong" not in text_of(reply), spec_.name
        if first is not None and first.required and first.kind in (Kind.INITIATIVE, Kind.REVIEW_ITEM):
            assert f"for example /{spec_.name} " in text_of(reply), (spec_.name, text_of(reply))
    french = ConsoleSession(people.chat, "zoé", language="fr")
    assert not is_error(french.handle("/top semaine") or Reply())
    assert "/join 12" in text_of(french.handle("/join abc") or Reply())


@pytest.mark.parametrize("payload", ["v1:dg:t:²²²²", "v1:qh:²²²²:0800", "v1:qh:2200:①①①①"])
def test_time_payloads_take_ascii_digits_only(people: People, payload: str) -> None:
    reply = people["ann"].press_payload(payload)
    assert "no longer valid" in text_of(reply)


def test_the_catalog_is_built_by_a_function_and_a_chat_takes_its_own(people: People) -> None:
    from core.presentation.catalog import build_catalog
    from core.presentation.chat import Chat
    from core.presentation.commands import Catalog

    first, second = build_catalog(), build_catalog()
    assert first is not second and set(first.commands) == set(second.commands) == set(CATALOG.commands)
    only_help = Catalog.build([spec("help")], [], [])
    chat = Chat(people.chat.uow_factory, people.chat.settings, only_help)
    speaker = people["ann"].speaker
    assert "/help" in text_of(chat.command(speaker, "help"))
    assert "/join" not in text_of(chat.command(speaker, "help"))
    assert "Unknown command /join" in text_of(chat.command(speaker, "join", "1"))
    assert "no longer valid" in text_of(chat.press(speaker, "v1:j:1"))
