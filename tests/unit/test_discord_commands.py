"""Slash commands generated from the catalog: every command present, option
types from the parameters' kinds, names and descriptions within Discord's
rules, French names and descriptions from the same message catalogs."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
import pytest
from discord import app_commands

from bots.discord.commands import (
    GROUPS,
    NAMED_CHANNEL,
    CatalogTranslator,
    build_tree_commands,
    placement,
    translated,
)
from core.bootstrap import Runtime
from core.config import Settings
from core.presentation.commands import CommandSpec, default_catalog, visible_commands
from core.presentation.parameters import Kind, Parameter

NAME = re.compile(r"^[-_'\w]{1,32}$")


def _payloads(specs: list[CommandSpec] | None = None) -> list[dict[str, Any]]:
    async def build() -> list[dict[str, Any]]:
        client = discord.Client(intents=discord.Intents.none())
        tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
        wanted = specs or visible_commands()
        for command in build_tree_commands(wanted, lambda: None, Settings()):  # type: ignore[arg-type,return-value]
            tree.add_command(command)
        await tree.set_translator(CatalogTranslator())
        assert tree.translator is not None
        return [await c.get_translated_payload(tree, tree.translator) for c in tree.get_commands()]

    return asyncio.run(build())


def _leaves(payloads: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every runnable command by its path ("initiative join", "me")."""
    found: dict[str, dict[str, Any]] = {}
    for command in payloads:
        subs = [o for o in command.get("options", []) if o["type"] == 1]
        if subs:
            for sub in subs:
                found[f"{command['name']} {sub['name']}"] = sub
        else:
            found[command["name"]] = command
    return found


PAYLOADS = _payloads()
LEAVES = _leaves(PAYLOADS)


def test_every_catalog_command_is_a_slash_command() -> None:
    for spec in default_catalog().commands.values():
        group, name = placement(spec.name)
        path = f"{group} {name}" if group else name
        assert path in LEAVES, path
        shown = [p.name for p in spec.parameters if not p.hidden]
        shown += ["channel"] if spec.name in NAMED_CHANNEL else []
        assert sorted(o["name"] for o in LEAVES[path].get("options", [])) == sorted(shown)


def test_the_initiative_group_holds_the_commands_about_initiatives() -> None:
    for name in ("propose", "show", "browse", "search", "join", "volunteer", "follow", "counter", "timeline"):
        assert f"initiative {name}" in LEAVES
    assert "modchat" not in LEAVES and "possibles modchannel" in LEAVES
    assert len(GROUPS["initiative"]) <= 25


def test_possibles_forum_names_a_forum_channel() -> None:
    options = {o["name"]: o for o in LEAVES["possibles forum"]["options"]}
    assert options["area"]["required"] is False and options["area"]["autocomplete"] is True
    option = options["channel"]
    assert option["type"] == discord.AppCommandOptionType.channel.value
    assert discord.ChannelType.forum.value in option["channel_types"]
    assert option["required"] is True and option["name_localizations"]["fr"] == "forum"


def _all_options(payload: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for option in payload.get("options", []):
        out.append(option)
        out.extend(_all_options(option))
    return out


def test_names_and_descriptions_follow_discords_rules_in_both_languages() -> None:
    assert len(PAYLOADS) <= 100
    for command in PAYLOADS:
        for item in [command, *_all_options(command)]:
            assert NAME.match(item["name"]) and item["name"] == item["name"].lower(), item["name"]
            if "description" in item:
                assert 1 <= len(item["description"]) <= 100
            for localized in item.get("name_localizations", {}).values():
                assert NAME.match(localized) and localized == localized.lower(), localized
            for localized in item.get("description_localizations", {}).values():
                assert 1 <= len(localized) <= 100
            for choice in item.get("choices", []):
                assert 1 <= len(choice["name"]) <= 100
            names = [o["name"] for o in item.get("options", [])]
            assert len(names) == len(set(names)) and len(names) <= 25
            french = [o.get("name_localizations", {}).get("fr", o["name"]) for o in item.get("options", [])]
            assert len(french) == len(set(french)), item["name"]


def test_french_descriptions_come_from_the_catalogs() -> None:
    show = LEAVES["initiative show"]
    assert show["description_localizations"]["fr"]
    assert show["description_localizations"]["fr"] != show["description"]
    option = show["options"][0]
    assert option["name"] == "initiative"
    assert option["autocomplete"] is True
    assert translated(app_commands.locale_str("x", key="help.show"), discord.Locale.american_english) is None


def test_option_types_follow_the_parameter_kinds() -> None:
    decide = LEAVES["decide"]
    types = {o["name"]: o for o in decide["options"]}
    assert types["item"]["type"] == discord.AppCommandOptionType.integer.value
    assert types["item"]["min_value"] == 1
    assert types["action"]["type"] == discord.AppCommandOptionType.string.value
    assert {c["value"] for c in types["action"]["choices"]} == set(
        default_catalog().command("decide").parameter("action").choices  # type: ignore[union-attr]
    )
    # /decide's days is read only with "suspend": optional in Discord
    assert types["days"]["required"] is False
    timeline = {o["name"]: o for o in LEAVES["initiative timeline"]["options"]}
    assert timeline["page"]["type"] == discord.AppCommandOptionType.integer.value
    follow = {o["name"]: o for o in LEAVES["initiative follow"]["options"]}
    assert follow["area"].get("autocomplete") is True
    assert {c["value"] for c in follow["topic"]["choices"]} == set(Settings().topics)


def test_a_new_catalog_command_appears_with_no_discord_code() -> None:
    def handler(ctx: object, **values: object) -> None:
        return None

    spec = CommandSpec(
        "brandnew",
        handler,
        (
            Parameter("initiative", Kind.INITIATIVE),
            Parameter("text", Kind.TEXT, required=False, max_length=300),
        ),
    )
    leaves = _leaves(_payloads([spec]))
    options = {o["name"]: o for o in leaves["brandnew"]["options"]}
    assert options["initiative"]["required"] is True and options["initiative"]["autocomplete"] is True
    assert options["text"]["max_length"] == 300


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_each_command_has_a_french_description(name: str) -> None:
    assert LEAVES[name].get("description_localizations", {}).get("fr"), name


def test_the_cores_help_and_hints_name_commands_as_discord_does(runtime: Runtime) -> None:
    from bots.discord.commands import shown_names
    from core.domain.members import Identity
    from core.presentation.context import Speaker
    from tests.support import text_of

    names = shown_names(default_catalog().commands)
    assert ("join", "initiative join") in names and ("modchat", "possibles modchannel") in names
    assert all(catalog != "me" for catalog, _ in names)  # top-level commands keep their name
    speaker = Speaker(Identity("discord", "1"), "Ann", "en", command_names=names)
    chat = runtime.chat()
    hint = text_of(chat.invoke(speaker, "join", {"initiative": "abc"}))
    assert "/initiative join 12" in hint
    help_text = text_of(chat.invoke(speaker, "help", {}))
    assert "/initiative join" in help_text and "/me" in help_text
    plain = Speaker(Identity("discord", "2"), "Bob", "en")
    assert "/join 12" in text_of(chat.invoke(plain, "join", {"initiative": "abc"}))
