"""Slash commands generated from the catalog: a new catalog command appears
in Discord with no code here.

Each ``CommandSpec`` becomes an ``app_commands.Command`` whose options are its
typed parameters: ids of posts, comments, decisions as integers, choices as
Discord choices, text with its length limits, initiatives, areas and members
as text with autocomplete from the core (``Chat.complete``). Values go back
to the core as text (``Chat.invoke``), which reads them by their kinds as it
reads typed text: a bad value gets the core's clear answer.

Where they stand is a matter of layout only: the commands about an
initiative under ``/initiative``, ``/modchat`` as ``/possibles modchannel``,
every other command at the top level under its catalog name.

Names and descriptions are English, with their French translations given to
Discord by ``CatalogTranslator`` from the same message catalogs.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Optional, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from core.config import Settings
from core.presentation.answers import shorten
from core.presentation.commands import CommandSpec
from core.presentation.i18n import translate
from core.presentation.parameters import Kind, Parameter, choice_label

__all__ = [
    "DESCRIPTION",
    "GROUPS",
    "NAME",
    "PUBLIC",
    "CatalogTranslator",
    "CommandHandler",
    "build_tree_commands",
    "discord_name",
    "placement",
    "shown_names",
]

#: Discord's rules: names of 1 to 32 lowercase characters, descriptions of 1 to 100.
NAME = re.compile(r"^[-_'\w]{1,32}$")
DESCRIPTION = 100
#: Integers Discord accepts in an option (JavaScript's safe integers).
INTEGER_MAX = 2**53 - 1
#: The most choices an option may list; more are offered by autocomplete.
MAX_CHOICES = 25
#: The most sub-commands in a group.
MAX_SUBCOMMANDS = 25

#: Sub-commands of a group, by group: the rest stand at the top level.
GROUPS: dict[str, tuple[str, ...]] = {
    "initiative": (
        "propose",
        "show",
        "browse",
        "search",
        "join",
        "volunteer",
        "withdraw",
        "follow",
        "unfollow",
        "counter",
        "timeline",
        "post",
        "comment",
        "progress",
        "edit",
        "responses",
        "editpost",
        "editcomment",
        "deletecomment",
    ),
}
#: Catalog commands shown under another name: (group, name).
RENAMED: dict[str, tuple[str, str]] = {
    "modchat": ("possibles", "modchannel"),
    "forumchat": ("possibles", "forum"),
}
#: Commands about a channel that is not where they are typed: a slash command
#: cannot be typed in a forum, so /possibles forum names it.
CHANNEL_OPTION = "channel"
NAMED_CHANNEL: dict[str, type[discord.abc.GuildChannel]] = {"forumchat": discord.ForumChannel}
#: The group of the server's settings (Manage Server).
SETTINGS_GROUP = "possibles"

#: Commands whose answer is the same for anyone and is posted in the channel
#: (a card others may join from). Every other answer is ephemeral: the
#: person's own, as in a private chat.
PUBLIC = frozenset({"show", "browse", "search", "top", "timeline", "responses", "officials", "modlog"})

#: Kinds that are the id of a thing typed as a number.
_INTEGER_IDS = frozenset({Kind.DECISION, Kind.REVIEW_ITEM, Kind.POST, Kind.COMMENT, Kind.RESPONSE})
#: Kinds whose values are suggested by the core while typed.
_SUGGESTED = frozenset({Kind.INITIATIVE, Kind.AREA, Kind.MEMBER, Kind.TOPIC})


class CommandHandler(Protocol):
    """What a generated command calls (bots.discord.interactions.Interactions)."""

    async def on_command(
        self, interaction: discord.Interaction[Any], name: str, values: dict[str, str]
    ) -> None: ...

    async def on_autocomplete(
        self, interaction: discord.Interaction[Any], name: str, parameter: str, current: str
    ) -> list[Choice[str]]: ...


def discord_name(text: str) -> str | None:
    """``text`` as a Discord option name (lowercase, no spaces, 32 at most), or
    None when nothing is left of it."""
    lowered = unicodedata.normalize("NFC", text.strip().lower())
    cleaned = re.sub(r"[^\w\-']+", "_", lowered).strip("_")[:32]
    return cleaned if cleaned and NAME.match(cleaned) else None


def placement(name: str) -> tuple[str | None, str]:
    """(group or None, name) of a catalog command in Discord."""
    if name in RENAMED:
        return RENAMED[name]
    for group, members in GROUPS.items():
        if name in members:
            return group, name
    return None, name


def shown_names(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(catalog name, Discord's "group name") of the commands Discord names
    otherwise, for the core's help lines and hints (Speaker.command_names)."""
    found = []
    for name in names:
        group, shown = placement(name)
        if group is not None:
            found.append((name, f"{group} {shown}"))
    return tuple(found)


def _english(key: str, fallback: str) -> str:
    text = translate("en", key)
    return shorten(text if text != key else fallback, DESCRIPTION) or fallback


def _described(key: str, fallback: str) -> locale_str:
    """A description: English as the base, its key for the translator."""
    return locale_str(_english(key, fallback), key=key, kind="description")


def _named(base: str, key: str) -> locale_str:
    return locale_str(base, key=key, kind="name")


class CatalogTranslator(app_commands.Translator):
    """French names and descriptions from the message catalogs (English is
    the base Discord shows to every other locale)."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        return translated(string, locale)


def translated(string: locale_str, locale: discord.Locale) -> str | None:
    """The French text of ``string`` for a French locale; None otherwise or
    when there is none that Discord accepts."""
    if locale is not discord.Locale.french:
        return None
    key = string.extras.get("key")
    if not isinstance(key, str):
        return None
    if "choice" in string.extras:
        group, code = string.extras["choice"]
        return shorten(choice_label(group, code, "fr"), DESCRIPTION)
    text = translate("fr", key)
    if text == key:
        return None
    if string.extras.get("kind") == "name":
        return discord_name(text)
    return shorten(text, DESCRIPTION) or None


def _annotation(parameter: Parameter, settings: Settings) -> Any:
    """The Python annotation discord.py reads an option's type from."""
    kind = parameter.kind
    if kind in _INTEGER_IDS:
        return app_commands.Range[int, 1, INTEGER_MAX]
    if kind in (Kind.INTEGER, Kind.PAGE):
        low = 1 if kind is Kind.PAGE else max(parameter.minimum, -INTEGER_MAX)
        high = INTEGER_MAX if kind is Kind.PAGE else min(parameter.maximum, INTEGER_MAX)
        return app_commands.Range[int, low, high]
    if kind is Kind.TEXT and parameter.max_length is not None:
        return app_commands.Range[str, max(parameter.min_length, 1), min(parameter.max_length, 6000)]
    return str


def _choices(parameter: Parameter, settings: Settings) -> list[Choice[str]] | None:
    if parameter.kind is Kind.CHOICE and parameter.source is None and len(parameter.choices) <= MAX_CHOICES:
        group = parameter.group or parameter.name
        return [
            Choice(
                name=locale_str(
                    shorten(choice_label(group, code, "en"), DESCRIPTION),
                    key=f"choice.{group}.{code}.words",
                    choice=(group, code),
                ),
                value=code,
            )
            for code in parameter.choices
        ]
    if parameter.kind is Kind.TOPIC and parameter.source is None and len(settings.topics) <= MAX_CHOICES:
        return [
            Choice(name=locale_str(_english(f"topic.{topic}", topic), key=f"topic.{topic}"), value=topic)
            for topic in settings.topics
        ]
    return None


def _suggested(parameter: Parameter, settings: Settings) -> bool:
    if parameter.source is not None:
        return True
    if parameter.kind is Kind.CHOICE:
        return len(parameter.choices) > MAX_CHOICES
    if parameter.kind is Kind.TOPIC:
        return len(settings.topics) > MAX_CHOICES
    return parameter.kind in _SUGGESTED


def shown_parameters(spec: CommandSpec) -> list[Parameter]:
    """The parameters offered as options (not the hidden ones: /start's token)."""
    return [p for p in spec.parameters if not p.hidden]


def build_command(
    spec: CommandSpec,
    handler: Callable[[], CommandHandler],
    settings: Settings,
    *,
    name: str | None = None,
    parent: app_commands.Group | None = None,
) -> app_commands.Command[Any, ..., None]:
    """The slash command of ``spec``: its options from the typed parameters."""
    shown = shown_parameters(spec)

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        given = {key: str(value) for key, value in values.items() if value is not None}
        channel = values.get(CHANNEL_OPTION) if spec.name in NAMED_CHANNEL else None
        if channel is not None:
            given[CHANNEL_OPTION] = str(channel.id)
        await handler().on_command(interaction, spec.name, given)

    signature = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for parameter in shown:
        annotation = _annotation(parameter, settings)
        # Required in Discord only where the core always needs it: a value it
        # reads only with another (/decide's days) stays optional there.
        required = parameter.required and parameter.only_with is None
        signature.append(
            inspect.Parameter(
                parameter.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation if required else Optional[annotation],  # noqa: UP045
                default=inspect.Parameter.empty if required else None,
            )
        )
    if spec.name in NAMED_CHANNEL:
        signature.append(
            inspect.Parameter(
                CHANNEL_OPTION, inspect.Parameter.KEYWORD_ONLY, annotation=NAMED_CHANNEL[spec.name]
            )
        )
    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"command_{spec.name}"

    descriptions = {
        p.name: _described(f"{p.message_key}.description", p.name.replace("_", " ")) for p in shown
    }
    renames = {}
    for parameter in shown:
        renames[parameter.name] = _named(parameter.name, f"{parameter.message_key}.name")
    if spec.name in NAMED_CHANNEL:
        key = f"discord.option.{spec.name}"
        descriptions[CHANNEL_OPTION] = _described(f"{key}.description", CHANNEL_OPTION)
        renames[CHANNEL_OPTION] = _named(CHANNEL_OPTION, f"{key}.name")
    function: Any = callback
    if descriptions:
        function = app_commands.describe(**descriptions)(function)
        function = app_commands.rename(**renames)(function)
    choices = {p.name: found for p in shown if (found := _choices(p, settings)) is not None}
    if choices:
        function = app_commands.choices(**choices)(function)
    suggested: dict[str, Any] = {
        p.name: _autocomplete(spec, p, handler) for p in shown if _suggested(p, settings)
    }
    if suggested:
        function = app_commands.autocomplete(**suggested)(function)

    return app_commands.Command(
        name=_named(name or spec.name, f"discord.command.{spec.name}.name"),
        description=_described(spec.help_key, spec.name),
        callback=function,
        parent=parent,
        extras={"catalog": spec.name},
    )


def _autocomplete(
    spec: CommandSpec, parameter: Parameter, handler: Callable[[], CommandHandler]
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]:
    async def suggest(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return await handler().on_autocomplete(interaction, spec.name, parameter.name, current)

    return suggest


def build_tree_commands(
    specs: Sequence[CommandSpec], handler: Callable[[], CommandHandler], settings: Settings
) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every catalog command as a slash command, in groups where GROUPS puts
    them; a group that would pass 25 sub-commands leaves the rest at the top."""
    groups: dict[str, app_commands.Group] = {}
    top: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    for spec in specs:
        group_name, name = placement(spec.name)
        if group_name is not None:
            group = groups.get(group_name)
            if group is None:
                group = _group(group_name)
                groups[group_name] = group
                top.append(group)
            if len(group.commands) < MAX_SUBCOMMANDS:
                group.add_command(build_command(spec, handler, settings, name=name, parent=group))
                continue
        top.append(build_command(spec, handler, settings))
    return top


def _group(name: str) -> app_commands.Group:
    permissions = discord.Permissions(manage_guild=True) if name == SETTINGS_GROUP else None
    return app_commands.Group(
        name=_named(name, f"discord.group.{name}.name"),
        description=_described(f"discord.group.{name}.description", name),
        default_permissions=permissions,
    )
