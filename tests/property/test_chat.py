"""Every input gets an answer, and a refusal changes nothing.

Hypothesis feeds every command of the catalog (typed, and with its
parameters given one by one as Discord options are), every step of every
flow, every press verb and the inline query generated input (the families of
tests/property/strategies.py) from people of every role, in French and in
English, in a private chat and in a group, on SQLite and on PostgreSQL,
with the shipped badges on (so an act that earns one goes through its
award). A test fails on any exception escaping ``Chat`` and on any row
changed behind an error reply (every table is compared before and after).

The world is the demo database (core/demo.py, built through the real use
cases), seeded once per database; calls that succeed change it, as people
would. CI runs the "ci" profile: few examples per command, derandomized, so
a run is reproducible. ``POSSIBLES_PROPERTY_PROFILE=thorough`` runs many
more, with fresh randomness each time, and ``POSSIBLES_PROPERTY_EXAMPLES=N``
sets the examples per command, verb and flow (see README, "Testing").
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.domain.members import Identity
from core.errors import PossiblesError
from core.presentation.cards import Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.presentation.inline import InlinePage
from core.services import flows
from core.storage.database import Database
from tests.conftest import PG_SKIP, PG_URL
from tests.property import strategies as gen
from tests.property.world import (
    GROUP,
    LANGUAGES,
    PLATFORM,
    PRIVATE_LINK,
    ROLES,
    World,
    build_world,
    catalog_names,
    changes,
    parameter_names,
    table_rows,
)
from tests.support import is_error, text_of

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=3, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("POSSIBLES_PROPERTY_PROFILE", "ci"))
if os.environ.get("POSSIBLES_PROPERTY_EXAMPLES"):  # examples per command, verb and flow
    PROFILE = settings(PROFILE, max_examples=int(os.environ["POSSIBLES_PROPERTY_EXAMPLES"]))

#: Families of input switched off where they still break a part someone
#: else is fixing: (family, command / verb / flow, or "*" for everywhere) ->
#: the issue item and where it breaks. Remove an entry once it is fixed: the
#: tests then cover that family there again. Never add one silently.
KNOWN_OPEN: dict[tuple[str, str], str] = {}


def excluded(where: str) -> frozenset[str]:
    """The families switched off for ``where`` (see KNOWN_OPEN)."""
    return frozenset(family for family, place in KNOWN_OPEN if place in (where, "*"))


COMMANDS, VERBS, FLOWS = catalog_names()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The seeded demo world, once per database for the whole module."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP)
        schema = f"possibles_property_{os.getpid()}"
        database = Database(PG_URL, schema=schema)
        with database.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        database.engine.dispose()
    else:
        database = Database("sqlite://")
    database.create_all()
    try:
        yield build_world(database)
    finally:
        if request.param == "postgresql":
            with database.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        database.dispose()


def _rotated(values: tuple[str, ...] | list[str], key: str) -> list[str]:
    """``values`` starting at a place that depends on ``key``: derandomized
    runs draw the same choices for every parametrized item, so each item
    starts elsewhere and together they cover every role and language."""
    shift = zlib.crc32(key.encode()) % len(values)
    return [*values[shift:], *values[:shift]]


def _speaker(world: World, data: st.DataObject, key: str) -> Speaker:
    role = data.draw(st.sampled_from(_rotated(ROLES, key)), label="role")
    language = data.draw(st.sampled_from(_rotated(LANGUAGES, key)), label="language")
    in_group = data.draw(st.booleans(), label="in_group")
    if role != "stranger":
        return world.speaker(role, language, in_group)
    off = excluded(key)
    return Speaker(
        Identity(PLATFORM, data.draw(gen.platform_ids(off), label="external_id")),
        data.draw(st.one_of(gen.any_text, gen.long_text), label="display_name"),
        data.draw(gen.language_codes(off), label="language_code"),
        in_group=in_group,
        chat_address=data.draw(st.one_of(st.just(GROUP), gen.platform_ids(off)), label="chat_address"),
        private_link=data.draw(st.sampled_from((PRIVATE_LINK, None)), label="private_link"),
    )


def _member_id(world: World, speaker: Speaker) -> int | None:
    """First contact, made before the "before" snapshot: registering whoever
    writes is the one write any first message makes, whatever its answer."""
    try:
        return world.member_id(speaker)
    except PossiblesError:
        return None  # refused: Chat must refuse it too, writing nothing


def _exchange(world: World, speaker: Speaker, what: str, call: Callable[[Chat], Reply | InlinePage]) -> Any:
    """``call``, which must answer, and change nothing when it answers an
    error (or an inline page, which never writes)."""
    before = table_rows(world.database)
    try:
        answer = call(world.chat)
    except Exception as exc:
        raise AssertionError(f"{what} from {speaker} escaped Chat: {type(exc).__name__}: {exc}") from exc
    if isinstance(answer, InlinePage) or is_error(answer):
        diff = changes(before, table_rows(world.database))
        said = "inline page" if isinstance(answer, InlinePage) else text_of(answer)
        assert not diff, f"{what} from {speaker}: rows changed behind {said!r}: {diff}"
    else:
        assert isinstance(answer, Reply)
    return answer


@pytest.mark.parametrize("name", COMMANDS)
@PROFILE
@given(data=st.data())
def test_every_command(world: World, name: str, data: st.DataObject) -> None:
    speaker = _speaker(world, data, name)
    if data.draw(st.booleans(), label="typed"):
        args = data.draw(gen.arguments(world, excluded(name)), label="args")
        _member_id(world, speaker)
        _exchange(world, speaker, f"/{name} {args!r}", lambda chat: chat.command(speaker, name, args))
        return
    # Parameters given one by one, as Discord options or web form fields are.
    names = parameter_names(name)
    values = data.draw(
        st.dictionaries(st.sampled_from(names), gen.arguments(world, excluded(name)), max_size=len(names))
        if names
        else st.just({}),
        label="values",
    )
    _member_id(world, speaker)
    _exchange(world, speaker, f"/{name} with {values!r}", lambda chat: chat.invoke(speaker, name, values))


def _mutated(payload: str, index: int, part: str) -> str:
    parts = payload.split(":")
    if len(parts) > 2:
        parts[2 + index % (len(parts) - 2)] = part
    else:
        parts.append(part)
    return ":".join(parts)


def _payloads(world: World, verbs: set[str], seen: list[str], off: frozenset[str]) -> st.SearchStrategy[str]:
    """Payloads of ``verbs``: forged from scratch, real ones the core showed
    (pressed by anyone), and real ones with one part replaced."""
    parts = gen.payload_parts(world, off)
    forged = st.builds(
        lambda verb, args: ":".join(["v1", verb, *args]),
        st.sampled_from(sorted(verbs)),
        st.lists(parts, max_size=4),
    )
    if not seen:
        return forged
    return st.one_of(
        forged,
        st.sampled_from(seen),
        st.builds(_mutated, st.sampled_from(seen), st.integers(0, 3), parts),
    )


@pytest.mark.parametrize("verb", VERBS)
@PROFILE
@given(data=st.data())
def test_every_press(world: World, verb: str, data: st.DataObject) -> None:
    speaker = _speaker(world, data, verb)
    seen = [p for p in world.payloads if p.split(":")[1:2] == [verb]]
    payload = data.draw(_payloads(world, {verb}, seen, excluded(verb)), label="payload")
    _member_id(world, speaker)
    _exchange(world, speaker, f"press {payload!r}", lambda chat: chat.press(speaker, payload))


@pytest.mark.parametrize("flow", FLOWS)
@PROFILE
@given(data=st.data())
def test_every_flow_step(world: World, flow: str, data: st.DataObject) -> None:
    """At each step of the flow (reached through the real commands when the
    world was built), generated text or a press of its buttons, real or forged."""
    states = [state for state in world.flow_states.values() if state.flow == flow]
    assert states, f"no step of flow {flow!r} was reached while building the world"
    speaker = _speaker(world, data, flow)
    for state in states:
        member_id = _member_id(world, speaker)
        if member_id is not None:
            flows.begin(world.runtime.uow(), member_id, state.flow, state.step, state.data)
        verbs = {p.split(":")[1] for p in state.payloads} or set(VERBS)
        off = excluded(flow) | frozenset().union(*(excluded(verb) for verb in verbs))
        kind = data.draw(st.sampled_from(("text", "press")), label=f"{state.step}: kind")
        where = f"{flow} at {state.step}:"
        if kind == "text":
            message = data.draw(gen.arguments(world, off), label=f"{state.step}: text")
            _exchange(
                world, speaker, f"{where} text {message!r}", lambda chat, m=message: chat.text(speaker, m)
            )
        else:
            payload = data.draw(
                _payloads(world, verbs, list(state.payloads), off), label=f"{state.step}: payload"
            )
            _exchange(
                world, speaker, f"{where} press {payload!r}", lambda chat, p=payload: chat.press(speaker, p)
            )


@PROFILE
@given(data=st.data())
def test_inline_queries(world: World, data: st.DataObject) -> None:
    speaker = _speaker(world, data, "inline")
    off = excluded("inline")
    query = data.draw(gen.arguments(world, off), label="query")
    offset = data.draw(st.one_of(gen.token(world, off), st.integers(0, 10**6).map(str)), label="offset")
    _member_id(world, speaker)
    _exchange(
        world, speaker, f"inline {query!r} {offset!r}", lambda chat: chat.inline(speaker, query, offset)
    )


def test_the_world_reaches_every_flow_and_shows_buttons(world: World) -> None:
    """The walk covers each flow of the catalog, and the pools are not empty."""
    assert {state.flow for state in world.flow_states.values()} == set(FLOWS)
    assert len(world.payloads) > 50 and world.names and world.ids["initiatives"]


# --- every command and verb against each hard case, in every position ------

#: The hard cases of each family, tried one by one in every command and in
#: every part of every verb's payloads (a few random examples would meet
#: each of them only now and then).
HARD_CASES: dict[str, tuple[str, ...]] = {
    "unicode_digits": ("²", "①"),
    "huge_integers": ("999999999999999999", str(2**62), str(2**63)),
    "unstorable": ("ly\x00on", "Lyon\ud800"),
    "empty": ("",),
    "long_text": ("9" * 5000,),
}


def _cases(where: str) -> list[str]:
    off = excluded(where)
    return [case for family, cases in HARD_CASES.items() if family not in off for case in cases]


#: Who tries them: an admin (who holds every role and a mandate, so the
#: deepest code is reached), and in turn every other kind of person but
#: "stranger" (whose generated fields are the random tests' business), in
#: both languages.
SWEEPERS = [(role, language) for role in ROLES if role != "stranger" for language in LANGUAGES]


def _sweepers(world: World, key: str, index: int) -> list[Speaker]:
    role, language = SWEEPERS[(zlib.crc32(key.encode()) + index) % len(SWEEPERS)]
    return [
        world.speaker("admin", LANGUAGES[index % 2], in_group=False),
        world.speaker(role, language, in_group=index % 3 == 2),
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_meets_each_hard_case(world: World, name: str) -> None:
    real_id = str(world.ids["initiatives"][0])
    for index, case in enumerate(_cases(name)):
        expert, anyone = _sweepers(world, name, index)
        for speaker, args in ((expert, case), (expert, f"{real_id} {case}"), (anyone, case)):
            _member_id(world, speaker)
            what = f"/{name} {args[:80]!r}"
            _exchange(world, speaker, what, lambda chat, a=args, s=speaker: chat.command(s, name, a))


@pytest.mark.parametrize("verb", VERBS)
def test_every_press_meets_each_hard_case_in_each_part(world: World, verb: str) -> None:
    payload = next((p for p in world.payloads if p.split(":")[1:2] == [verb]), f"v1:{verb}:1")
    parts = payload.split(":")
    for index, case in enumerate(_cases(verb)):
        for speaker in _sweepers(world, verb, index):
            for position in range(2, len(parts)) or [2]:  # each part; one added when there is none
                forged = ":".join([*parts[:position], case.replace(":", ""), *parts[position + 1 :]])
                _member_id(world, speaker)
                what = f"press {forged[:80]!r}"
                _exchange(world, speaker, what, lambda chat, p=forged, s=speaker: chat.press(s, p))
