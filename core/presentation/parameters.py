"""Typed command parameters: what a command takes, parsed and validated once.

Every command of the catalog declares its parameters; each has a *kind*
(an initiative, an area, a member, a number, a choice among words, free
text...). The kind decides how a value is read — from typed text in the
terminal chat and Telegram, from already separated values for Discord options
and web forms — and the one clear, translated error given when it cannot be
(its hint names the command that was typed: ``/join abc`` -> "/join 12").
Handlers receive the parsed values, never raw strings.

Reading typed text (see ``parse_text``): parameters are read in order, one
word each, except that free text, areas and members take the rest of the line.
An optional choice is taken only when the word is one of its words; a
*keyword* parameter is introduced by its name in either language
("area Lyon", "territoire Lyon") and may stand anywhere.

Names, descriptions and choice words live in messages/parameters.toml:
``param.<key>.name``, ``param.<key>.description`` and
``choice.<group>.<code>`` ("new|newest" / "nouvelles|nouveautés"); the first
word is the one shown, every word is accepted, with or without accents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from core.domain.text import ID_MAX, fold, id_in_range, typed_number
from core.errors import InvalidInput, NotFound, PossiblesError
from core.presentation.i18n import LANGUAGES, translate

if TYPE_CHECKING:
    from core.presentation.commands import CommandSpec
    from core.presentation.context import Context

__all__ = [
    "ID_MAX",
    "PAGE_MAX",
    "Kind",
    "Parameter",
    "Suggestion",
    "Value",
    "choice_words",
    "complete",
    "parse_id",
    "parse_text",
    "parse_value",
    "parse_values",
    "usage",
]

#: Pages beyond this are past the end of any list (services clamp to it too).
PAGE_MAX = 100_000

Value = int | str | None


class Kind(StrEnum):
    """How a parameter is read and what a handler receives."""

    INITIATIVE = "initiative"  # int: an initiative's id
    AREA = "area"  # int: an area's id, found by id, code, postal code or name
    TOPIC = "topic"  # str: a topic key of the settings
    MEMBER = "member"  # int: a member's id, by "#id", platform id or name
    DECISION = "decision"  # int: a moderation decision's id
    REVIEW_ITEM = "review_item"  # int: a review item's id
    POST = "post"  # int: a news post's id
    COMMENT = "comment"  # int: a comment's id
    RESPONSE = "response"  # int: an official response's id
    INTEGER = "integer"  # int between minimum and maximum
    PAGE = "page"  # int from 1; beyond any list is past its end
    CHOICE = "choice"  # str: the code of one of ``choices``
    TEXT = "text"  # str between min_length and max_length characters


#: Kinds that are the id of a thing, with the error of a missing one.
_ID_KINDS: dict[Kind, str] = {
    Kind.INITIATIVE: "error.initiative_not_found",
    Kind.DECISION: "error.decision_not_found",
    Kind.REVIEW_ITEM: "error.review_item_not_found",
    Kind.POST: "error.moderation_post_not_found",
    Kind.COMMENT: "error.moderation_comment_not_found",
    Kind.RESPONSE: "error.moderation_response_not_found",
    Kind.MEMBER: "error.moderation_member_not_found",
}
#: Kinds that take the rest of a typed line (names and text have spaces).
_GREEDY = frozenset({Kind.TEXT, Kind.AREA, Kind.MEMBER})
#: What an example of each kind looks like in a hint ("/join 12").
_EXAMPLES: dict[Kind, str] = {
    Kind.INITIATIVE: "12",
    Kind.DECISION: "3",
    Kind.REVIEW_ITEM: "3",
    Kind.POST: "12",
    Kind.COMMENT: "12",
    Kind.RESPONSE: "12",
    Kind.INTEGER: "7",
    Kind.PAGE: "2",
    Kind.AREA: "Lyon",
    Kind.MEMBER: "#12",
    Kind.TOPIC: "mobility",
    Kind.TEXT: "…",
}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a command."""

    name: str
    kind: Kind
    required: bool = True
    #: Messages ``param.<key>.name`` / ``.description``; ``name`` by default.
    key: str = ""
    #: CHOICE: the codes, whose words are ``choice.<group>.<code>``.
    choices: tuple[str, ...] = ()
    group: str = ""
    #: Introduced by a word in typed text ("area Lyon"): its names in both
    #: languages and ``aliases``. A keyword parameter may also be positional.
    keyword: bool = False
    positional: bool = True
    aliases: tuple[str, ...] = ()
    #: TEXT limits, in characters.
    min_length: int = 1
    max_length: int | None = None
    #: INTEGER bounds.
    minimum: int = 0
    maximum: int = ID_MAX
    #: Read only when an earlier parameter has this value ("days" after "suspend").
    only_with: tuple[str, str] | None = None
    #: Text of one word, though text usually takes the rest of the line.
    one_word: bool = False
    #: Left out of usage lines (/start's deep-link token).
    hidden: bool = False
    #: Where suggestions come from when it is not the kind itself (/area's search).
    source: Kind | None = None

    @property
    def message_key(self) -> str:
        return f"param.{self.key or self.name}"

    @property
    def greedy(self) -> bool:
        return self.kind in _GREEDY and not self.one_word

    @property
    def suggestions_from(self) -> Kind:
        return self.source or self.kind

    def label(self, language: str) -> str:
        """Its name in ``language`` ("territoire"), for help lines and options."""
        return translate(language, f"{self.message_key}.name")

    def placeholder(self, language: str) -> str:
        """What stands for its value in usage lines: ``param.<key>.placeholder``
        when there is one ("NAME|CODE"), else its name in capitals ("ID")."""
        key = f"{self.message_key}.placeholder"
        shown = translate(language, key)
        return self.label(language).upper() if shown == key else shown

    def description(self, language: str) -> str:
        return translate(language, f"{self.message_key}.description")

    def keywords(self) -> frozenset[str]:
        """The folded words that introduce it in typed text, in every language."""
        if not self.keyword:
            return frozenset()
        words = {self.name, *self.aliases, *(self.label(lang) for lang in LANGUAGES)}
        return frozenset(fold(w) for w in words)


@dataclass(frozen=True)
class Suggestion:
    """An autocomplete choice: ``value`` goes back to ``parse_value`` as typed."""

    value: str
    label: str


# --- choices ---------------------------------------------------------------


def choice_words(group: str, code: str) -> tuple[str, ...]:
    """Every word accepted for a choice, folded: its code and its words in
    both languages."""
    words = [code]
    for language in LANGUAGES:
        words.extend(translate(language, f"choice.{group}.{code}.words").split("|"))
    return tuple(dict.fromkeys(fold(w) for w in words if w and not w.startswith("choice.")))


def choice_label(group: str, code: str, language: str) -> str:
    """The word shown for a choice in ``language`` (the first of its words)."""
    text = translate(language, f"choice.{group}.{code}.words")
    return code if text.startswith("choice.") else text.split("|")[0]


def match_choice(parameter: Parameter, raw: str) -> str | None:
    """The code ``raw`` designates, or None."""
    word = fold(raw)
    if not word:
        return None
    for code in parameter.choices:
        if word in choice_words(parameter.group or parameter.name, code):
            return code
    return None


# --- reading one value -------------------------------------------------------


def parse_id(text: str, not_found_key: str = "error.not_found") -> int | None:
    """An id typed or carried in a payload; None when it is no number;
    NotFound when it is a number no row can have (0 or beyond 64 bits)."""
    number = typed_number(text)
    if number is None:
        return None
    if not id_in_range(number):
        raise NotFound(not_found_key, id=text.strip().lstrip("#")[:20])
    return number


def _example_of(parameter: Parameter, language: str) -> list[str]:
    words = [parameter.label(language)] if parameter.keyword and not parameter.positional else []
    key = f"{parameter.message_key}.example"
    shown = translate(language, key)
    if shown != key:
        words.append(shown)
    elif parameter.kind is Kind.TOPIC:
        words.append(translate(language, f"topic.{_EXAMPLES[Kind.TOPIC]}").lower())
    elif parameter.kind is Kind.CHOICE:
        words.append(choice_label(parameter.group or parameter.name, parameter.choices[0], language))
    else:
        words.append(_EXAMPLES[parameter.kind])
    return words


def example(
    command: CommandSpec, upto: Parameter | None = None, language: str = "en", shown: str | None = None
) -> str:
    """ "/join 12": the command with an example of each required parameter up
    to ``upto`` (and of ``upto`` itself, even when it is read by the handler);
    ``shown`` is the command's name where the platform names it otherwise."""
    parts = [f"/{shown or command.name}"]
    for parameter in command.parameters:
        if parameter.required or parameter is upto:
            parts.extend(_example_of(parameter, language))
        if parameter is upto:
            break
    else:
        if upto is not None:
            parts.extend(_example_of(upto, language))
    return " ".join(parts)


def _invalid(
    ctx: Context, command: CommandSpec, parameter: Parameter, *, missing: bool = False
) -> PossiblesError:
    """The one error of each kind, with a hint naming the command typed."""
    hint = example(command, parameter, ctx.language, ctx.speaker.command_shown(command.name))
    if parameter.kind is Kind.CHOICE:
        words = ", ".join(
            choice_label(parameter.group or parameter.name, code, ctx.language) for code in parameter.choices
        )
        return InvalidInput("error.param.choice", choices=words, example=hint)
    if parameter.kind is Kind.TEXT:
        return InvalidInput("error.param.text", description=parameter.description(ctx.language), example=hint)
    if parameter.kind is Kind.TOPIC:
        topics = ", ".join(ctx.t(f"topic.{topic}") for topic in ctx.settings.topics)
        key = "error.param.topic_expected" if missing else "error.param.topic"
        return InvalidInput(key, choices=topics, example=hint)
    if parameter.kind is Kind.INTEGER:
        return InvalidInput(
            "error.param.integer", minimum=parameter.minimum, maximum=parameter.maximum, example=hint
        )
    return InvalidInput(f"error.param.{parameter.kind.value}", example=hint)


def parse_value(ctx: Context, command: CommandSpec, parameter: Parameter, raw: str) -> Value:
    """One value of ``parameter`` from what was typed or chosen; the kind's
    error when it is not one."""
    text = raw.strip()
    kind = parameter.kind
    if not text:
        if parameter.required:
            raise _invalid(ctx, command, parameter, missing=True)
        return None
    if kind in _ID_KINDS and kind is not Kind.MEMBER:
        number = parse_id(text, _ID_KINDS[kind])
        if number is None:
            raise _invalid(ctx, command, parameter)
        return number
    if kind is Kind.MEMBER:
        return _member(ctx, text)
    if kind is Kind.AREA:
        return _area(ctx, text)
    if kind is Kind.TOPIC:
        return _topic(ctx, command, parameter, text)
    if kind is Kind.PAGE:
        number = typed_number(text)
        if number is None or number < 1:
            raise _invalid(ctx, command, parameter)
        return number  # handlers ask services for at most PAGE_MAX
    if kind is Kind.INTEGER:
        number = typed_number(text)
        if number is None or not parameter.minimum <= number <= parameter.maximum:
            raise _invalid(ctx, command, parameter)
        return number
    if kind is Kind.CHOICE:
        code = match_choice(parameter, text)
        if code is None:
            raise _invalid(ctx, command, parameter)
        return code
    if len(text) < parameter.min_length:
        raise _invalid(ctx, command, parameter)
    if parameter.max_length is not None and len(text) > parameter.max_length:
        raise InvalidInput(
            "error.text_too_long", field=parameter.name, length=len(text), max=parameter.max_length
        )
    return text


def _topic(ctx: Context, command: CommandSpec, parameter: Parameter, text: str) -> str:
    word = fold(text)
    for topic in ctx.settings.topics:
        names = {fold(topic), *(fold(translate(lang, f"topic.{topic}")) for lang in LANGUAGES)}
        if word in names:
            return topic
    raise _invalid(ctx, command, parameter)


def _area(ctx: Context, text: str) -> int:
    from core.services import areas

    if text.startswith("#"):
        number = parse_id(text, "error.area_not_found")
        if number is not None:
            with ctx.uow as uow:
                found = areas.get_area(uow, number)
            assert found.id is not None
            return found.id
        # "#" and no number: a name; find_area would read "#²" as an id.
        text = text.lstrip("#").strip() or text
    with ctx.uow as uow:
        area = areas.find_area(uow, text)
    assert area.id is not None
    return area.id


def _member(ctx: Context, text: str) -> int:
    from core.services import directory

    number = parse_id(text, "error.moderation_member_not_found")
    if number is not None:
        return directory.member_id(ctx.uow, number)
    if ":" in text and " " not in text:
        return directory.member_by_identity(ctx.uow, text)
    found = directory.members_named(ctx.uow, text, limit=6)
    if not found:
        raise NotFound("error.param.member_unknown", name=text[:100])
    if len(found) > 1:
        names = ", ".join(f"{name} (#{member_id})" for member_id, name in found[:5])
        raise InvalidInput("error.param.member_ambiguous", name=text[:100], names=names)
    return found[0][0]


# --- reading a command -------------------------------------------------------


def _applies(parameter: Parameter, values: Mapping[str, Value]) -> bool:
    if parameter.only_with is None:
        return True
    name, wanted = parameter.only_with
    return values.get(name) == wanted


def parse_text(ctx: Context, command: CommandSpec, text: str) -> dict[str, Value]:
    """The values of ``command`` from the text typed after it."""
    words = text.split()
    values: dict[str, Value] = {p.name: None for p in command.parameters}
    params = command.parameters
    i = 0
    for index, parameter in enumerate(params):
        if i >= len(words):
            break
        if not _applies(parameter, values):
            continue
        word = fold(words[i])
        later = {kw for p in params[index + 1 :] for kw in p.keywords()}
        if word in parameter.keywords():
            i += 1
            if i >= len(words):
                raise _invalid(ctx, command, parameter, missing=True)
        elif word in later or not parameter.positional:
            continue
        elif parameter.kind is Kind.CHOICE and not parameter.required:
            if match_choice(parameter, words[i]) is None:
                continue
        elif (
            parameter.kind in (Kind.PAGE, Kind.INTEGER)
            and not parameter.required
            and typed_number(words[i]) is None
            and index + 1 < len(params)
        ):
            continue  # an optional number absent: the word is the next parameter's
        if parameter.greedy:
            raw, i = " ".join(words[i:]), len(words)
        else:
            raw, i = words[i], i + 1
        values[parameter.name] = parse_value(ctx, command, parameter, raw)
    _check_required(ctx, command, values)
    return values


def parse_values(ctx: Context, command: CommandSpec, given: Mapping[str, str]) -> dict[str, Value]:
    """The values of ``command`` from separate fields (Discord options, web
    forms), read by the same kinds; unknown names are refused."""
    names = {p.name for p in command.parameters}
    unknown = sorted(set(given) - names)
    if unknown:
        raise InvalidInput(
            "error.param.unknown",
            name=unknown[0][:40],
            example=example(command, None, ctx.language, ctx.speaker.command_shown(command.name)),
        )
    values: dict[str, Value] = {p.name: None for p in command.parameters}
    for parameter in command.parameters:
        raw = given.get(parameter.name, "")
        if raw.strip() and _applies(parameter, values):
            values[parameter.name] = parse_value(ctx, command, parameter, raw)
    _check_required(ctx, command, values)
    return values


def _check_required(ctx: Context, command: CommandSpec, values: Mapping[str, Value]) -> None:
    for parameter in command.parameters:
        if parameter.required and values.get(parameter.name) is None and _applies(parameter, values):
            raise _invalid(ctx, command, parameter, missing=True)


# --- help and suggestions -----------------------------------------------------


def usage(command: CommandSpec, language: str, shown: str | None = None) -> str:
    """ "/top [week|month|all] [AREA]": the command's parameters for help lines
    (``shown``: its name where the platform names it otherwise)."""
    parts = []
    for parameter in command.parameters:
        if parameter.hidden:
            continue
        if parameter.kind is Kind.CHOICE:
            text = "|".join(
                choice_label(parameter.group or parameter.name, c, language) for c in parameter.choices
            )
        else:
            text = parameter.placeholder(language)
        if parameter.keyword and not parameter.positional:
            text = f"{parameter.label(language)} {text}"
        parts.append(text if parameter.required else f"[{text}]")
    return " ".join([f"/{shown or command.name}", *parts])


def complete(ctx: Context, parameter: Parameter, prefix: str, limit: int = 25) -> list[Suggestion]:
    """Suggestions for what is being typed, from the core (Discord's autocomplete)."""
    from core.services import areas, browse, directory

    source = parameter.suggestions_from
    text = prefix.strip()
    word = fold(text)
    if source is Kind.CHOICE:
        group = parameter.group or parameter.name
        return [
            Suggestion(code, choice_label(group, code, ctx.language))
            for code in parameter.choices
            if not word or any(w.startswith(word) for w in choice_words(group, code))
        ][:limit]
    if source is Kind.TOPIC:
        return [
            Suggestion(topic, ctx.t(f"topic.{topic}"))
            for topic in ctx.settings.topics
            if not word or fold(ctx.t(f"topic.{topic}")).startswith(word) or topic.startswith(word)
        ][:limit]
    try:
        if source is Kind.INITIATIVE:
            size = min(limit, 25)
            found = (
                browse.browse_words(ctx.uow, text, size=size)
                if word
                else browse.browse_new(ctx.uow, size=size)
            )
            return [Suggestion(str(item.id), f"#{item.id} · {item.title}"[:100]) for item in found.items]
        if source is Kind.AREA:
            if not word:
                return []
            with ctx.uow as uow:
                views = areas.area_views(uow, areas.search_areas(uow, text, limit=limit))
            return [
                Suggestion(f"#{view.id}", f"{view.name} ({ctx.t('level.' + view.level)} {view.code})")
                for view in views
            ]
        if source is Kind.MEMBER:
            return [
                Suggestion(f"#{member_id}", f"{name} (#{member_id})")
                for member_id, name in directory.members_starting(ctx.uow, text, limit=limit)
            ]
    except PossiblesError:
        return []
    return []
