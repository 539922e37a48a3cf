"""What a handler gets: the member speaking, a translator, a unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from core.config import Settings
from core.domain.members import Identity, Role
from core.presentation.commands import Catalog, default_catalog
from core.presentation.i18n import Translator
from core.services.members import MemberView
from core.storage.uow import UnitOfWork

__all__ = ["Context", "Speaker"]


@dataclass(frozen=True)
class Speaker:
    """Who is talking, as the front end knows them."""

    identity: Identity
    display_name: str
    language_code: str | None = None
    #: True in a group or channel, where private flows hand over to a DM.
    in_group: bool = False
    #: The platform's address of the chat the input came from (a group's chat
    #: id), for commands about the chat itself (/modchat).
    chat_address: str | None = None
    #: A link opening a private chat with the bot, to which a start token is
    #: appended (Telegram: ``https://t.me/<bot>?start=``); None where there is none.
    private_link: str | None = None
    #: Commands the front end answers itself (the terminal's /quit): /help
    #: lists them too, each with its text ``help.<name>`` from the catalog.
    local_commands: tuple[str, ...] = ()
    #: How the platform names catalog commands where it names them otherwise
    #: (Discord: ("join", "initiative join")), for help lines and hints.
    command_names: tuple[tuple[str, str], ...] = ()
    #: The platform roles the person holds where some of them may grant a role
    #: of possibles (Discord's server roles: core.services.platform_roles);
    #: None when not known or not asked.
    platform_roles: frozenset[str] | None = None

    def command_shown(self, name: str) -> str:
        """The command ``name`` as people type it here, without its slash."""
        return next((shown for catalog, shown in self.command_names if catalog == name), name)


@dataclass
class Context:
    speaker: Speaker
    member: MemberView
    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    t: Translator
    #: The commands, presses and flows this chat answers (help lists them).
    catalog: Catalog = field(default_factory=default_catalog)
    #: The command's unit of work, open from the member's lookup to the reply
    #: (Chat opens it): every service the handler calls joins its transaction.
    transaction: UnitOfWork | None = None

    @property
    def uow(self) -> UnitOfWork:
        """The command's unit of work; outside a command (a notification being
        rendered), a fresh one, each service call then a transaction of its own."""
        if self.transaction is not None:
            return self.transaction
        return self.uow_factory()

    @property
    def language(self) -> str:
        return self.member.language

    @property
    def shared(self) -> bool:
        """True when what is built is read by several people (a group): cards
        then carry only what anyone may press, never the speaker's own buttons."""
        return self.speaker.in_group

    @property
    def reader_id(self) -> int | None:
        """Whose eyes what is shown is read with: the member's in a private
        chat; in a group, anyone's (None) — a hidden initiative its author or a
        moderator may read would otherwise be shown to the whole group."""
        return None if self.speaker.in_group else self.member.id

    def in_chat_language(self) -> Context:
        """This context, speaking the chat's language in a group (where a card
        stays for everyone) and the member's own elsewhere."""
        if not self.speaker.in_group:
            return self
        return replace(self, t=Translator(self.settings.default_language, self.settings.default_time_zone))

    def has_role(self, role: Role) -> bool:
        return self.member.has_role(role)

    def tr(self, key: str, /, **params: Any) -> str:
        return self.t(key, **params)
