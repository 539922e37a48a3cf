"""Persistent buttons and the modals.

Every button the core draws carries its ``v1:`` payload as the custom_id
(at most 64 bytes, within Discord's 100 characters). One DynamicItem,
``CorePress``, matches them all: it is registered in ``setup_hook``, so a
button answers after a restart as before it, and each press goes to
``Chat.press``, which authorises it again against the member who pressed.

``CoreChoice`` is a menu of a card's choices (core.presentation.cards.Action
``choice``): each option's value is a choice's payload, and the chosen one
goes to ``Chat.press`` as if its button were pressed.

``AnswerButton`` stands under a card that waits for typing (a step of a
flow): Discord reads no typing in a server without a privileged intent, so
the button opens a modal whose text goes to ``Chat.text``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

__all__ = [
    "ANSWER_ID",
    "CHOOSE_ID",
    "AnswerButton",
    "CoreChoice",
    "CorePress",
    "Handler",
    "TextModal",
    "handler_of",
    "modal_values",
]

#: The template of the core's payloads: "v1:" and what core.presentation.payloads builds.
PAYLOAD = r"(?P<payload>v1:[^\s]{1,97})"
#: The custom_id of the button that opens the modal answering a prompt.
ANSWER_ID = "possibles:answer"
#: The custom_id of a menu of choices: this prefix and the menu's row.
CHOOSE_ID = "possibles:choose:"
CHOOSE = re.escape(CHOOSE_ID) + r"(?P<row>[0-4])"


class Handler(Protocol):
    """What the buttons and modals call (bots.discord.interactions.Interactions)."""

    async def on_press(self, interaction: discord.Interaction[Any], payload: str) -> None: ...

    async def on_answer(self, interaction: discord.Interaction[Any]) -> None: ...

    async def on_unknown_component(self, interaction: discord.Interaction[Any]) -> None: ...


def handler_of(interaction: discord.Interaction[Any]) -> Handler:
    """The front end's interaction handler, kept on the client."""
    handler: Handler = interaction.client.possibles
    return handler


class CorePress(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAYLOAD):
    """Any button of the core: the payload goes to Chat.press as it is."""

    def __init__(self, item: discord.ui.Button[Any], *, row: int | None = None) -> None:
        super().__init__(item, row=row)

    @property
    def payload(self) -> str:
        return self.custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CorePress:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_press(interaction, self.custom_id)


class CoreChoice(discord.ui.DynamicItem[discord.ui.Select[Any]], template=CHOOSE):
    """A menu of the core's choices: the chosen payload goes to Chat.press."""

    def __init__(self, item: discord.ui.Select[Any], *, row: int | None = None) -> None:
        super().__init__(item, row=row)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CoreChoice:
        assert isinstance(item, discord.ui.Select)
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # The menu read back from the message: a value that is none of its
        # options (forged) is stale, as a button not on its message is.
        values, offered = self.item.values, {option.value for option in self.item.options}
        if len(values) == 1 and values[0] in offered:
            await handler_of(interaction).on_press(interaction, values[0])
        else:
            await handler_of(interaction).on_unknown_component(interaction)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(ANSWER_ID)):
    """Opens a modal whose text answers the open step of the member's flow."""

    def __init__(self, item: discord.ui.Button[Any], *, row: int | None = None) -> None:
        super().__init__(item, row=row)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_answer(interaction)


class TextModal(discord.ui.Modal):
    """A modal of text inputs; its values go to ``Handler.on_modal`` with ``kind``.

    ``inputs``: (key, label, placeholder, long, required, max_length) each;
    labels are shortened to Discord's 45 characters, placeholders to 100."""

    def __init__(
        self,
        kind: str,
        title: str,
        inputs: list[tuple[str, str, str | None, bool, bool, int | None]],
    ) -> None:
        super().__init__(title=title[:45], custom_id=f"possibles:modal:{kind}", timeout=900)
        self.kind = kind
        self.fields: dict[str, discord.ui.TextInput[TextModal]] = {}
        for key, label, placeholder, long, required, max_length in inputs:
            text: discord.ui.TextInput[TextModal] = discord.ui.TextInput(
                label=label[:45],
                custom_id=key,
                placeholder=placeholder[:100] if placeholder else None,
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                required=required,
                max_length=min(max_length or 4000, 4000),
            )
            self.fields[key] = text
            self.add_item(text)

    def add_choice(
        self, key: str, label: str, options: list[tuple[str, str]], description: str | None = None
    ) -> None:
        """A required select (value, label) under ``label``, read back as ``key``;
        ``description`` (100 characters at most) says more under the label."""
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=key,
            options=[
                discord.SelectOption(label=text[:100], value=value[:100]) for value, text in options[:25]
            ],
            required=True,
        )
        described = description[:99] + "…" if description and len(description) > 100 else description
        self.add_item(discord.ui.Label(text=label[:45], component=select, description=described or None))

    def add_text(self, key: str, label: str, *, required: bool, max_length: int) -> None:
        """A paragraph under ``label`` (in a label, as the select beside it)."""
        text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=key,
            style=discord.TextStyle.paragraph,
            required=required,
            max_length=min(max_length, 4000),
        )
        self.add_item(discord.ui.Label(text=label[:45], component=text))

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Nothing: submits are read from the raw interaction by custom_id
        (``modal_values``), so a modal filled in across a restart still counts."""


def modal_values(data: Any) -> dict[str, str]:
    """The text values of a submitted modal by custom_id, whether its inputs
    come in action rows or in labels."""
    values: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components or ():
            if not isinstance(component, dict):
                continue
            if "components" in component:
                walk(component["components"])
            if "component" in component:
                walk([component["component"]])
            custom_id = component.get("custom_id")
            if isinstance(custom_id, str):
                value = component.get("value")
                if value is None and isinstance(component.get("values"), list):
                    value = ",".join(str(v) for v in component["values"])
                if value is not None:
                    values[custom_id] = str(value)

    if isinstance(data, dict):
        walk(data.get("components"))
    return values
