"""The one entry point of every front end: typed commands, typed text, button
presses in; neutral replies out. Synchronous: front ends call it off their
event loop (``await asyncio.to_thread(chat.command, ...)``).

Every string a person sends is cleaned here, once (core.domain.text.clean_input);
the platform's own fields (identity, language code, chat address) are checked
where they are stored (members.enter, platform_chats.set_chat)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from core.config import Settings
from core.domain.members import language_from_code
from core.domain.text import clean_input, language_tag
from core.errors import PossiblesError, StaleAction
from core.presentation.cards import Card, CardKind, Reply
from core.presentation.commands import Catalog, CommandSpec, default_catalog
from core.presentation.context import Context, Speaker
from core.presentation.errors import error_card
from core.presentation.handlers.chats import hand_over_press, handover
from core.presentation.i18n import Translator
from core.presentation.inline import InlinePage, inline_results
from core.presentation.parameters import Suggestion
from core.presentation.payloads import parse
from core.services import flows, members, platform_roles, updates
from core.services.updates import AlreadyHandled, UpdateKey
from core.storage.uow import UnitOfWork, in_one_transaction

__all__ = ["Chat"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Chat:
    """``Chat(uow_factory, settings).command(speaker, "join", "42")``.

    Each call is one transaction: the member behind the identity, the
    handler and every service it calls share one unit of work, committed
    once at the end (when a service asked for it). A refusal
    (PossiblesError) rolls everything back before its reply is built, so an
    error reply never follows a commit. Commands and presses whose handler
    is ``@read_only`` run in a read transaction (no write lock on SQLite).

    ``update`` (a platform's update key, optional) makes the call handled
    once: the same transaction records the key first, raising
    core.services.updates.AlreadyHandled when it was recorded before (the
    front end answers nothing); a refusal's rollback takes the record too,
    so it is written again with the refusal's answer.

    ``catalog`` defaults to the project's (core.presentation.catalog.build_catalog).
    """

    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], settings: Settings, catalog: Catalog | None = None
    ) -> None:
        self.uow_factory = uow_factory
        self.settings = settings
        self.catalog = catalog if catalog is not None else default_catalog()

    def _context(self, uow: UnitOfWork, speaker: Speaker) -> tuple[Context, bool]:
        """The member speaking, with the roles their platform roles give them,
        and whether those roles changed; PossiblesError when the platform's
        identity cannot be used (see members.enter)."""
        entered = members.enter(
            uow,
            speaker.identity,
            speaker.display_name,
            speaker.language_code,
            self.settings,
        )
        member = platform_roles.reconcile(
            uow, entered, speaker.identity.platform, speaker.platform_roles, self.settings
        )
        context = Context(
            speaker=speaker,
            member=member,
            settings=self.settings,
            uow_factory=self.uow_factory,
            t=Translator(member.language, member.time_zone),
            catalog=self.catalog,
            transaction=uow,
        )
        return context, member is not entered

    def _unknown(self, ctx: Context, name: str) -> Reply:
        return Reply([Card(lines=(ctx.t("error.unknown_command", name=name),), kind=CardKind.ERROR)])

    def _command_writes(self, speaker: Speaker, name: str) -> bool:
        spec = self.catalog.command(name)
        if spec is None:
            return False
        # A private command typed in a group mints a hand-over token.
        return spec.writes or (spec.private and speaker.in_group)

    def command(
        self, speaker: Speaker, name: str, args: str = "", *, update: UpdateKey | None = None
    ) -> Reply:
        """A typed command, without its slash: ``command(s, "show", "42")``;
        its parameters are read from ``args`` by their kinds."""
        name, args = clean_input(name), clean_input(args)

        def go(ctx: Context) -> Reply:
            spec = self.catalog.command(name)
            if spec is None:
                return self._unknown(ctx, name)
            if spec.private and speaker.in_group:
                return handover(ctx, spec.name, args.strip())
            return self.catalog.run_text(ctx, spec, args)

        return self._run(speaker, go, writes=self._command_writes(speaker, name), update=update)

    def invoke(
        self, speaker: Speaker, name: str, values: Mapping[str, str], *, update: UpdateKey | None = None
    ) -> Reply:
        """A command with its parameters already separated (Discord options,
        web form fields): ``invoke(s, "report", {"member": "bob"})``; each value
        is read by its parameter's kind, as typed text is."""
        name = clean_input(name)
        given = {clean_input(key): clean_input(value) for key, value in values.items()}

        def go(ctx: Context) -> Reply:
            spec = self.catalog.command(name)
            if spec is None:
                return self._unknown(ctx, name)
            if spec.private and speaker.in_group:
                return handover(ctx, spec.name, _as_text(spec, given))
            return self.catalog.run_values(ctx, spec, given)

        return self._run(speaker, go, writes=self._command_writes(speaker, name), update=update)

    def complete(self, speaker: Speaker, name: str, parameter: str, prefix: str) -> list[Suggestion]:
        """Suggestions while ``parameter`` of ``name`` is typed (Discord's autocomplete)."""
        name, parameter, prefix = clean_input(name), clean_input(parameter), clean_input(prefix)

        def go(ctx: Context) -> list[Suggestion]:
            return self.catalog.complete(ctx, name, parameter, prefix)

        return self._within(speaker, go, writes=False, refused=lambda _t, _e: [])

    def inline(
        self, speaker: Speaker, query: str, offset: str = "", *, update: UpdateKey | None = None
    ) -> InlinePage:
        """Initiatives to share into any chat ("@bot words"), newest when ``query`` is empty."""
        query, offset = clean_input(query), clean_input(offset)

        def go(ctx: Context) -> InlinePage:
            return inline_results(ctx, query, offset)

        return self._within(
            speaker, go, writes=False, refused=lambda _t, _e: InlinePage(()), update=update
        )

    def text(self, speaker: Speaker, text: str, *, update: UpdateKey | None = None) -> Reply:
        """Free text: the next answer of an open flow, or a hint."""
        text = clean_input(text)

        def go(ctx: Context) -> Reply:
            conversation = flows.current(ctx.uow, ctx.member.id)
            if conversation is None:
                return Reply([Card(lines=(ctx.t("chat.no_flow"),))])
            spec = self.catalog.flows.get(conversation.flow)
            if spec is None:
                flows.cancel(ctx.uow, ctx.member.id)
                return Reply([Card(lines=(ctx.t("chat.no_flow"),))])
            return spec.on_text(ctx, conversation, text)

        return self._run(speaker, go, writes=True, update=update)

    def press(self, speaker: Speaker, payload: str, *, update: UpdateKey | None = None) -> Reply:
        """A button press; the payload is authorised again, never trusted."""
        payload = clean_input(payload)
        try:
            writes = self.catalog.press_writes(parse(payload)[0])
        except PossiblesError:
            writes = False  # refused below, in the member's language

        def go(ctx: Context) -> Reply:
            verb, args = parse(payload)
            handler = self.catalog.presses.get(verb)
            if handler is None:
                raise StaleAction()
            return handler(ctx, args)

        return self._run(speaker, go, writes=writes, update=update)

    def hand_over(self, speaker: Speaker, payload: str, label: str | None = None) -> str | None:
        """The start parameter of a link to the private chat that lets ``speaker``
        go on with the button ``payload`` they pressed in a group (shown as
        ``label``): minted for them and that press only (see handlers.chats).
        None when the payload is not one of ours."""
        payload = clean_input(payload)
        cleaned = clean_input(label) if label is not None else None

        def go(ctx: Context) -> str | None:
            return hand_over_press(ctx, payload, cleaned)

        def refused(_t: Translator, error: PossiblesError) -> str | None:
            log.info("no hand-over for %r: %s", speaker.identity, error)
            return None

        return self._within(speaker, go, writes=True, refused=refused)

    def _run(
        self,
        speaker: Speaker,
        action: Callable[[Context], Reply],
        *,
        writes: bool,
        update: UpdateKey | None = None,
    ) -> Reply:
        def refused(t: Translator, error: PossiblesError) -> Reply:
            return Reply([error_card(t, error)])

        return self._within(speaker, action, writes=writes, refused=refused, update=update)

    def _within(
        self,
        speaker: Speaker,
        action: Callable[[Context], T],
        *,
        writes: bool,
        refused: Callable[[Translator, PossiblesError], T],
        update: UpdateKey | None = None,
    ) -> T:
        """``action`` in one transaction from the member's lookup on; a
        PossiblesError rolls it all back and answers ``refused(t, error)``.
        With ``update``, handled once (see the class)."""

        def work(uow: UnitOfWork) -> T:
            # Recorded first, one statement that also says whether it was
            # handled before (a look first and a record at the end were two
            # for every update). It commits with the command, or, for a
            # refusal, is written again after the rollback.
            self._handled(uow, update)
            try:
                ctx, roles_changed = self._context(uow, speaker)
            except PossiblesError as error:
                uow.rollback()
                # Refused before anyone is known: answer in the platform's language.
                language = language_from_code(
                    language_tag(speaker.language_code), self.settings.default_language
                )
                log.info("refused unknown sender %r: %s", speaker.identity, error)
                self._handled(uow, update)
                return refused(Translator(language, self.settings.default_time_zone), error)
            try:
                result = action(ctx)
            except PossiblesError as error:
                uow.rollback()
                log.info("refused for member %s: %s", ctx.member.id, error)
                if error.trace is not None or roles_changed:
                    # A refusal that is counted (see core.errors), or roles the
                    # platform gave or took back (a fact, not the command's):
                    # they went with the rollback, made again (a newcomer's
                    # first contact too).
                    with uow:  # committed at the end, with the update's record
                        again, _ = self._context(uow, speaker)
                        if error.trace is not None:
                            error.trace(uow, again.member.id)
                        uow.commit()
                # The refusal's answer is the update's: recorded, so a
                # delivery again does not answer twice.
                self._handled(uow, update)
                return refused(ctx.t, error)
            return result

        return in_one_transaction(self.uow_factory, work, writes=writes)

    @staticmethod
    def _handled(uow: UnitOfWork, update: UpdateKey | None) -> None:
        """Records ``update`` in the command's transaction (committed with
        it); AlreadyHandled, and everything rolled back, when another worker
        recorded it first."""
        if update is None:
            return
        with uow:
            if not updates.mark(uow, update):
                raise AlreadyHandled(update)
            uow.commit()


def _as_text(spec: CommandSpec, values: Mapping[str, str]) -> str:
    """Separated values as the text a person would type, for a hand-over."""
    words: list[str] = []
    for parameter in spec.parameters:
        value = values.get(parameter.name, "").strip()
        if value:
            if parameter.keyword and not parameter.positional:
                words.append(parameter.name)
            words.append(value)
    return " ".join(words)
