"""Discord's interactions, each turned into one call of core.presentation.chat.Chat
(a slash command, an autocomplete, a button, a modal, the context menu), off
the event loop; the core's reply goes where core.presentation.answers says,
with Discord's ephemeral messages as the person's private chat. Nothing
here decides a rule.

Discord wants a first answer within 3 seconds: when the core has not
answered after ``DEFER_AFTER`` seconds the interaction is deferred, and the
answer follows (follow-ups are accepted for 15 minutes).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, Concatenate, ParamSpec, TypeVar

import discord
from discord.app_commands import Choice

from bots.discord import forms
from bots.discord.commands import CHANNEL_OPTION, NAMED_CHANNEL, PUBLIC, shown_names
from bots.discord.render import NO_MENTIONS, Rendered, content_within, render_reply
from bots.discord.views import ANSWER_ID, modal_values
from bots.metrics import update_handled
from core.domain.members import Identity, language_from_code
from core.presentation.answers import Limits, answer_message, answer_press, error_line, shorten
from core.presentation.cards import Action, ActionStyle, Card, CardKind, Document, Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.presentation.i18n import translate
from core.services import platform_roles

__all__ = ["DEFER_AFTER", "LIMITS", "PLATFORM", "Interactions"]

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: An alert is an ephemeral message (2,000 characters); descriptions of commands 100.
LIMITS = Limits(alert=2000, command_description=100)
#: Seconds the core may take before the interaction is deferred (Discord allows 3).
DEFER_AFTER = 1.5
#: Commands about the channel they are typed in (/possibles modchannel): the
#: core reads the channel as a group's.
CHANNEL_COMMANDS = frozenset({"modchat", "forumchat"})
#: The largest file a bot may attach without a server boost (10 MiB).
ATTACHMENT_MAX = 10 * 1024 * 1024
#: Seconds the core may take before a form can no longer be the first answer.
FORM_WITHIN = 2.0


P = ParamSpec("P")
R = TypeVar("R")


def _counted(
    handler: Callable[Concatenate[Interactions, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Interactions, P], Coroutine[Any, Any, R]]:
    """An entry point of an interaction, counted once it is handled (as
    Telegram's updates are, for ``/metrics``); one that raised is not."""

    @functools.wraps(handler)
    async def counted(self: Interactions, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = await handler(self, *args, **kwargs)
        update_handled(PLATFORM)
        return result

    return counted


def _ephemeral_message(interaction: discord.Interaction[Any]) -> bool:
    message = interaction.message
    return message is not None and message.flags.ephemeral


class Interactions:
    """The handlers of every interaction (bots.discord.app wires them)."""

    def __init__(self, chat: Chat, default_language: str) -> None:
        self.chat = chat
        self.default_language = default_language
        #: How Discord names the commands it groups (/initiative join), for the core's hints.
        self.command_names = shown_names(chat.catalog.commands)

    # ------------------------------------------------------------ who

    def speaker(self, interaction: discord.Interaction[Any], *, in_group: bool) -> Speaker:
        user = interaction.user
        return Speaker(
            Identity(PLATFORM, str(user.id)),
            # A member's server nickname, else their global name, else their username.
            display_name=user.display_name or user.name or str(user.id),
            language_code=str(interaction.locale) if interaction.locale else None,
            in_group=in_group and interaction.guild is not None,
            chat_address=str(interaction.channel_id) if interaction.channel_id is not None else None,
            private_link=None,
            command_names=self.command_names,
            platform_roles=self._held_roles(interaction),
        )

    def _held_roles(self, interaction: discord.Interaction[Any]) -> frozenset[str] | None:
        """The server roles of the person, when a role of theirs may make them a
        moderator (None: nothing for the core to reconcile; outside a server,
        or a server discord.py does not know, what they hold is not known)."""
        if platform_roles.granting_role(self.chat.settings, PLATFORM) is None:
            return None
        user = interaction.user
        if interaction.guild is None or not isinstance(user, discord.Member):
            return None
        return frozenset(str(role.id) for role in user.roles)

    def language(self, interaction: discord.Interaction[Any]) -> str:
        return language_from_code(str(interaction.locale), self.default_language)

    def t(self, interaction: discord.Interaction[Any], key: str, **params: Any) -> str:
        return translate(self.language(interaction), key, **params)

    def answer_action(self, interaction: discord.Interaction[Any]) -> Action:
        """The button under a prompt that opens the modal to answer it."""
        return Action(self.t(interaction, "discord.answer.button"), ANSWER_ID, ActionStyle.PRIMARY, row=9)

    # ------------------------------------------------------------ timing

    async def _core(
        self, interaction: discord.Interaction[Any], call: Callable[[], Any], *, ephemeral: bool
    ) -> Any:
        """The core's answer to ``call``; the interaction is deferred first when
        it takes longer than DEFER_AFTER."""
        task = asyncio.ensure_future(asyncio.to_thread(call))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done and not interaction.response.is_done():
            try:
                if interaction.type is discord.InteractionType.component:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
                    interaction.extras["deferred_ephemeral"] = ephemeral
            except discord.HTTPException as error:
                log.warning("could not defer interaction %s: %s", interaction.id, error)
        return await task

    # ------------------------------------------------------------ sending

    async def send(
        self, interaction: discord.Interaction[Any], messages: list[Rendered], *, ephemeral: bool
    ) -> None:
        """Messages answering ``interaction``: the first as its response (or
        in place of the "thinking…" of a deferral), the others as follow-ups."""
        for message in messages:
            kwargs = message.kwargs()
            if not interaction.response.is_done():
                await interaction.response.send_message(**_drop_none(kwargs), ephemeral=ephemeral)
                continue
            await interaction.followup.send(**_drop_none(kwargs), ephemeral=ephemeral, wait=True)

    async def send_documents(
        self, interaction: discord.Interaction[Any], documents: Sequence[Document], *, ephemeral: bool
    ) -> None:
        """The files of a reply as attachments, each within Discord's size
        limit. A file too large is said so instead, pointing to the card's
        button that downloads it from the web when it has one (``Document.link``)."""
        files = [
            discord.File(io.BytesIO(d.content), filename=d.filename)
            for d in documents
            if len(d.content) <= ATTACHMENT_MAX
        ]
        too_large = [d for d in documents if len(d.content) > ATTACHMENT_MAX]
        if files:
            if not interaction.response.is_done():
                await interaction.response.send_message(
                    files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.followup.send(
                    files=files, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, wait=True
                )
        for document in too_large:
            key = "discord.document.too_large_web" if document.link else "discord.document.too_large"
            await self.send_text(interaction, self.t(interaction, key, name=document.filename))

    async def send_text(
        self, interaction: discord.Interaction[Any], text: str, *, ephemeral: bool = True
    ) -> None:
        text = content_within(text)
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(
                text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, wait=True
            )

    async def _deliver(
        self, interaction: discord.Interaction[Any], reply: Reply | list[Card], *, ephemeral: bool
    ) -> None:
        cards = reply.cards if isinstance(reply, Reply) else reply
        messages = render_reply(cards, self.answer_action(interaction))
        deferred_public = interaction.response.is_done() and not _deferred_ephemeral(interaction)
        if ephemeral and deferred_public and interaction.type is not discord.InteractionType.component:
            # Deferred in the channel, answered to the person alone: the
            # "thinking…" message goes, the answer follows ephemerally.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as error:
                log.info("could not remove the deferred answer: %s", error)
        await self.send(interaction, messages, ephemeral=ephemeral)

    # ------------------------------------------------------------ commands

    @_counted
    async def on_command(
        self, interaction: discord.Interaction[Any], name: str, values: dict[str, str]
    ) -> None:
        if name == forms.PROPOSE and not values:
            await self.open_propose(interaction)
            return
        in_guild = interaction.guild is not None
        public = name in PUBLIC
        speaker = self.speaker(interaction, in_group=public or name in CHANNEL_COMMANDS)
        named = values.pop(CHANNEL_OPTION, None) if name in NAMED_CHANNEL else None
        if named is not None:  # about the channel it names (a forum), not where it was typed
            speaker = replace(speaker, chat_address=named)
        ephemeral = in_guild and not public
        try:
            reply: Reply = await self._core(
                interaction, lambda: self.chat.invoke(speaker, name, values), ephemeral=ephemeral
            )
        except Exception:
            log.exception("/%s failed before the core answered", name)
            await self._nothing_changed(interaction)
            return
        if error_line(reply) is not None:
            ephemeral = in_guild
        try:
            answer = answer_message(reply)
            await self._deliver(interaction, list(answer.chat), ephemeral=ephemeral)
            if answer.documents:  # one's own files: never in front of a channel
                await self.send_documents(interaction, answer.documents, ephemeral=ephemeral or in_guild)
        except Exception:  # the core's change is saved: never "nothing was changed" now
            log.exception("/%s handled, but its answer could not be delivered", name)

    @_counted
    async def on_autocomplete(
        self, interaction: discord.Interaction[Any], name: str, parameter: str, current: str
    ) -> list[Choice[str]]:
        speaker = self.speaker(interaction, in_group=False)
        try:
            found = await asyncio.wait_for(
                asyncio.to_thread(self.chat.complete, speaker, name, parameter, current), timeout=2.5
            )
        except Exception:  # suggestions are a help, never an error
            log.warning("no suggestions for /%s %s", name, parameter, exc_info=True)
            return []
        return [
            Choice(name=shorten(s.label, 100) or s.value[:100], value=s.value[:100])
            for s in found[:25]
            if s.value
        ]

    # ------------------------------------------------------------ buttons

    @_counted
    async def on_press(self, interaction: discord.Interaction[Any], payload: str) -> None:
        if payload.startswith(forms.REPORT_PREFIX):
            await self.open_report(interaction, payload)
            return
        if payload.startswith(forms.RESPOND_PREFIX):
            await self.open_respond(interaction, payload)
            return
        ephemeral_card = _ephemeral_message(interaction)
        speaker = self.speaker(interaction, in_group=not ephemeral_card)
        try:
            reply: Reply = await self._core(
                interaction, lambda: self.chat.press(speaker, payload), ephemeral=True
            )
        except Exception:
            log.exception("press %s failed before the core answered", payload)
            await self._nothing_changed(interaction)
            return
        try:
            await self._answer_press(interaction, reply, speaker, ephemeral_card)
        except Exception:  # the core's change is saved: never "nothing was changed" now
            log.exception("press %s handled, but its answer could not be delivered", payload)

    async def _answer_press(
        self, interaction: discord.Interaction[Any], reply: Reply, speaker: Speaker, ephemeral_card: bool
    ) -> None:
        answer = answer_press(reply, speaker, LIMITS, in_chat=True)
        if answer.chat and answer.edit:
            messages = render_reply(list(answer.chat), self.answer_action(interaction))
            first, rest = messages[0], messages[1:]
            kwargs = first.kwargs()
            kwargs["view"] = first.view()  # None removes the buttons of the pressed card
            if not interaction.response.is_done():
                await interaction.response.edit_message(**kwargs)
            else:
                await interaction.edit_original_response(**kwargs)
            await self.send(interaction, rest, ephemeral=ephemeral_card)
        elif answer.chat:
            await self._deliver(interaction, list(answer.chat), ephemeral=ephemeral_card)
        if answer.alert is not None:
            await self.send_text(interaction, answer.alert, ephemeral=True)
        if answer.private:
            await self._deliver(interaction, list(answer.private), ephemeral=True)
        if answer.documents:
            # With the cards: one's own files go where only they see them.
            private = bool(answer.private) or not answer.chat
            await self.send_documents(interaction, answer.documents, ephemeral=private or ephemeral_card)
        if not interaction.response.is_done():
            await interaction.response.defer()

    @_counted
    async def on_unknown_component(self, interaction: discord.Interaction[Any]) -> None:
        """A button that is not one of ours, or not on its message: stale."""
        await self.send_text(interaction, self.t(interaction, "error.stale_action"))

    # ------------------------------------------------------------ forms

    async def open_propose(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(forms.propose_form(self.language(interaction)))

    async def open_report(self, interaction: discord.Interaction[Any], payload: str) -> None:
        """The report form (the reason, an optional note) for a report button."""
        await interaction.response.send_modal(forms.report_form(self.language(interaction), payload))

    async def open_respond(self, interaction: discord.Interaction[Any], payload: str) -> None:
        """An official's Respond button: the core begins the response (and
        refuses whoever may not give it), then its positions and the text are
        asked in a form; a refusal, or an answer too late for a form, is
        delivered as any press's."""
        speaker = self.speaker(interaction, in_group=False)
        task = asyncio.ensure_future(asyncio.to_thread(self.chat.press, speaker, payload))
        try:
            reply: Reply = await asyncio.wait_for(asyncio.shield(task), timeout=FORM_WITHIN)
        except TimeoutError:
            # Too late for a form: acknowledged now, the core's prompt follows (with buttons).
            try:
                await interaction.response.defer()
            except discord.HTTPException as error:
                log.warning("could not defer interaction %s: %s", interaction.id, error)
            reply = await task
            await self._answer_press(interaction, reply, speaker, _ephemeral_message(interaction))
            return
        modal = forms.respond_form(self.language(interaction), reply)
        if modal is None:
            await self._answer_press(interaction, reply, speaker, _ephemeral_message(interaction))
            return
        await interaction.response.send_modal(modal)

    @_counted
    async def on_answer(self, interaction: discord.Interaction[Any]) -> None:
        """The button under a prompt: a form whose text answers it."""
        message = interaction.message
        prompt = message.embeds[0].description if message is not None and message.embeds else None
        await interaction.response.send_modal(forms.answer_form(self.language(interaction), prompt))

    @_counted
    async def on_modal_submit(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        kind = str(data.get("custom_id", "")).removeprefix(forms.MODAL_PREFIX)
        values = modal_values(data)
        speaker = self.speaker(interaction, in_group=False)
        ephemeral = interaction.guild is not None
        stale = Reply([Card(lines=(self.t(interaction, "error.stale_action"),), kind=CardKind.ERROR)])

        def run() -> Reply:
            return forms.run_form(self.chat, speaker, kind, values) or stale

        try:
            reply: Reply = await self._core(interaction, run, ephemeral=ephemeral)
        except Exception:
            log.exception("form %s failed before the core answered", kind)
            await self._nothing_changed(interaction)
            return
        try:
            answer = answer_message(reply)
            await self._deliver(interaction, list(answer.chat), ephemeral=ephemeral)
            if answer.documents:
                await self.send_documents(interaction, answer.documents, ephemeral=ephemeral)
        except Exception:
            log.exception("form %s handled, but its answer could not be delivered", kind)

    # ------------------------------------------------------------ context menu

    @_counted
    async def on_report_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """ "Report to moderators" on one of the bot's cards: its own report
        button, pressed by this member (the core authorises it as any press)."""
        payload = None
        for row in message.components:
            for component in getattr(row, "children", ()):
                custom_id = getattr(component, "custom_id", None)
                if isinstance(custom_id, str) and custom_id.startswith(forms.REPORT_PREFIX):
                    payload = custom_id
        if payload is None:
            await self.send_text(interaction, self.t(interaction, "discord.report.nothing"))
            return
        await self.open_report(interaction, payload)

    # ------------------------------------------------------------ errors

    async def _nothing_changed(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.send_text(interaction, self.t(interaction, "error.generic"))
        except discord.HTTPException as error:
            log.info("could not tell about the error: %s", error)


def _drop_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in kwargs.items() if value is not None}


def _deferred_ephemeral(interaction: discord.Interaction[Any]) -> bool:
    """Whether ``interaction`` was deferred ephemerally (noted by Interactions._core)."""
    return bool(interaction.extras.get("deferred_ephemeral", False))
