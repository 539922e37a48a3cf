"""What Discord refuses with 400 50035 "Invalid Form Body": the length and count
limits of messages, embeds, components, modals, autocomplete choices and
application commands, reported field by field in Discord's error shape."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.discord.api import (
    CANNOT_SEND_EMPTY,
    IS_COMPONENTS_V2,
    DiscordError,
    FieldErrors,
)

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_CUSTOM_ID = 100
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_OPTION_TEXT = 100
MAX_PLACEHOLDER = 150
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUT_VALUE = 4000
MAX_LABEL_DESCRIPTION = 100
MAX_CHOICES = 25
MAX_COMMANDS = 100
MAX_COMMAND_OPTIONS = 25
MAX_COMMAND_DESCRIPTION = 100
MAX_THREAD_NAME = 100

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 2, 3, 4, 18
SELECTS = frozenset({3, 5, 6, 7, 8})


def check_message(payload: dict[str, Any], *, creating: bool, prefix: tuple[str, ...] = ()) -> None:
    """A message to create (or the fields of an edit): content, embeds, components."""
    errors = FieldErrors()
    content = payload.get("content")
    errors.max_length((*prefix, "content"), content, MAX_CONTENT)
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors.max_length((*prefix, "embeds"), embeds, MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        total += _check_embed(errors, (*prefix, "embeds", index), embed)
    if total > MAX_EMBED_TOTAL:
        errors.add(
            (*prefix, "embeds"),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
        )
    v2 = bool(int(payload.get("flags") or 0) & IS_COMPONENTS_V2)
    _check_components(errors, (*prefix, "components"), payload.get("components") or [], v2=v2)
    errors.raise_if_any()
    if creating and not (content or embeds or payload.get("components") or payload.get("attachments")):
        raise DiscordError(400, CANNOT_SEND_EMPTY)


def _check_embed(errors: FieldErrors, path: tuple[str | int, ...], embed: dict[str, Any]) -> int:
    title, description = embed.get("title"), embed.get("description")
    errors.max_length((*path, "title"), title, MAX_EMBED_TITLE)
    errors.max_length((*path, "description"), description, MAX_EMBED_DESCRIPTION)
    total = len(title or "") + len(description or "")
    fields = embed.get("fields") or []
    if len(fields) > MAX_EMBED_FIELDS:
        errors.max_length((*path, "fields"), fields, MAX_EMBED_FIELDS)
    for index, field in enumerate(fields):
        name, value = field.get("name"), field.get("value")
        if not name:
            errors.required((*path, "fields", index, "name"))
        if not value:
            errors.required((*path, "fields", index, "value"))
        errors.max_length((*path, "fields", index, "name"), name, MAX_FIELD_NAME)
        errors.max_length((*path, "fields", index, "value"), value, MAX_FIELD_VALUE)
        total += len(name or "") + len(value or "")
    footer = (embed.get("footer") or {}).get("text")
    author = (embed.get("author") or {}).get("name")
    errors.max_length((*path, "footer", "text"), footer, MAX_FOOTER)
    errors.max_length((*path, "author", "name"), author, MAX_AUTHOR_NAME)
    return total + len(footer or "") + len(author or "")


def _check_components(
    errors: FieldErrors, path: tuple[str | int, ...], components: list[dict[str, Any]], *, v2: bool
) -> None:
    if not v2:
        errors.max_length(path, components, MAX_ROWS)
        for index, row in enumerate(components):
            if row.get("type") != 1:
                errors.add((*path, index, "type"), "UNION_TYPE_CHOICES", "Value must be one of {1}.")
                continue
            children = row.get("components") or []
            errors.length_between((*path, index, "components"), children, 1, MAX_ROW_BUTTONS)
            if any(child.get("type") in SELECTS for child in children) and len(children) != 1:
                errors.add(
                    (*path, index, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            for position, child in enumerate(children):
                _check_item(errors, (*path, index, "components", position), child)
        return
    for index, component in enumerate(components):
        _check_item(errors, (*path, index), component)


def _check_item(errors: FieldErrors, path: tuple[str | int, ...], item: dict[str, Any]) -> None:
    kind = item.get("type")
    custom_id = item.get("custom_id")
    errors.max_length((*path, "custom_id"), custom_id, MAX_CUSTOM_ID)
    if kind == BUTTON:
        errors.max_length((*path, "label"), item.get("label"), MAX_BUTTON_LABEL)
        if item.get("style") == 5:
            if not item.get("url"):
                errors.required((*path, "url"))
        elif item.get("style") != 6 and not custom_id:
            errors.required((*path, "custom_id"))
    elif kind in SELECTS:
        errors.max_length((*path, "placeholder"), item.get("placeholder"), MAX_PLACEHOLDER)
        if not custom_id:
            errors.required((*path, "custom_id"))
        options = item.get("options")
        if kind == STRING_SELECT:
            errors.length_between((*path, "options"), options or [], 1, MAX_SELECT_OPTIONS)
            for index, option in enumerate(options or []):
                for key in ("label", "value", "description"):
                    errors.max_length((*path, "options", index, key), option.get(key), MAX_OPTION_TEXT)
    elif kind == TEXT_INPUT:
        errors.max_length((*path, "label"), item.get("label"), MAX_INPUT_LABEL)
        errors.max_length((*path, "value"), item.get("value"), MAX_INPUT_VALUE)
        errors.max_length((*path, "placeholder"), item.get("placeholder"), MAX_OPTION_TEXT)
        if int(item.get("max_length") or 0) > MAX_INPUT_VALUE:
            errors.add((*path, "max_length"), "NUMBER_TYPE_MAX", f"int value should be <= {MAX_INPUT_VALUE}.")
    elif kind == LABEL:
        errors.max_length((*path, "label"), item.get("label"), MAX_INPUT_LABEL)
        errors.max_length((*path, "description"), item.get("description"), MAX_LABEL_DESCRIPTION)
    for key in ("components",):
        for index, child in enumerate(item.get(key) or []):
            _check_item(errors, (*path, key, index), child)
    for key in ("component", "accessory"):
        if isinstance(item.get(key), dict):
            _check_item(errors, (*path, key), item[key])


def check_modal(data: dict[str, Any]) -> None:
    """The data of a type-9 callback: title, custom_id and 1 to 5 rows or labels."""
    errors = FieldErrors()
    if not data.get("custom_id"):
        errors.required(("data", "custom_id"))
    errors.max_length(("data", "custom_id"), data.get("custom_id"), MAX_CUSTOM_ID)
    if not data.get("title"):
        errors.required(("data", "title"))
    errors.max_length(("data", "title"), data.get("title"), MAX_MODAL_TITLE)
    components = data.get("components") or []
    errors.length_between(("data", "components"), components, 1, 5)
    for index, component in enumerate(components):
        _check_item(errors, ("data", "components", index), component)
    errors.raise_if_any()


def check_choices(data: dict[str, Any]) -> None:
    """The data of a type-8 callback: at most 25 choices, names and string values of 1 to 100."""
    errors = FieldErrors()
    choices = data.get("choices")
    if choices is None:
        errors.required(("data", "choices"))
    else:
        errors.max_length(("data", "choices"), choices, MAX_CHOICES)
        for index, choice in enumerate(choices):
            errors.length_between(("data", "choices", index, "name"), choice.get("name") or "", 1, 100)
            if isinstance(choice.get("value"), str):
                errors.max_length(("data", "choices", index, "value"), choice["value"], 100)
    errors.raise_if_any()


def check_commands(commands: list[dict[str, Any]]) -> None:
    """A bulk overwrite of application commands: names, descriptions, options and their localisations."""
    errors = FieldErrors()
    errors.max_length((), commands, MAX_COMMANDS)
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type", 1))
        key = (kind, command.get("name", ""))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)
        _check_command_node(errors, (index,), command, chat_input=kind == 1)
    errors.raise_if_any()


def _check_command_node(
    errors: FieldErrors, path: tuple[str | int, ...], node: dict[str, Any], *, chat_input: bool
) -> None:
    name = node.get("name") or ""
    if chat_input:
        if not _COMMAND_NAME.match(name) or name != name.lower():
            errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        errors.length_between(
            (*path, "description"), node.get("description") or "", 1, MAX_COMMAND_DESCRIPTION
        )
    else:
        errors.length_between((*path, "name"), name, 1, 32)
    for locale, localised in (node.get("name_localizations") or {}).items():
        if chat_input and (not _COMMAND_NAME.match(localised) or localised != localised.lower()):
            errors.add(
                (*path, "name_localizations", locale),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
    for locale, localised in (node.get("description_localizations") or {}).items():
        errors.length_between(
            (*path, "description_localizations", locale), localised, 1, MAX_COMMAND_DESCRIPTION
        )
    options = node.get("options") or []
    errors.max_length((*path, "options"), options, MAX_COMMAND_OPTIONS)
    optional_seen = False
    for index, option in enumerate(options):
        _check_command_node(errors, (*path, "options", index), option, chat_input=True)
        choices = option.get("choices") or []
        errors.max_length((*path, "options", index, "choices"), choices, MAX_CHOICES)
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*path, "options", index, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True


def check_thread_name(name: Any) -> None:
    errors = FieldErrors()
    if not name:
        errors.required(("name",))
    else:
        errors.length_between(("name",), name, 1, MAX_THREAD_NAME)
    errors.raise_if_any()
