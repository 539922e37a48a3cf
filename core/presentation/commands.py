"""The command catalog: every front end (terminal, Telegram, Discord) is
generated from it, so commands, arguments and help texts never disagree.

Handlers register themselves with three decorators:

- ``@command("join", args="id")``: a command a person types;
- ``@press("j")``: a button payload verb (``v1:j:42``);
- ``@flow("propose")``: the steps of a multi-step conversation, fed with the
  text a person types while the flow is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.domain.flows import Conversation
    from core.presentation.cards import Reply
    from core.presentation.context import Context

__all__ = [
    "CATALOG",
    "FLOWS",
    "PRESSES",
    "Audience",
    "CommandSpec",
    "FlowSpec",
    "command",
    "flow",
    "press",
    "visible_commands",
]


class Audience(StrEnum):
    """Who a command is shown to in help menus. It decides nothing: the core
    authorises every action again."""

    EVERYONE = "everyone"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


CommandHandler = Callable[["Context", str], "Reply"]
PressHandler = Callable[["Context", list[str]], "Reply"]
TextHandler = Callable[["Context", "Conversation", str], "Reply"]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: CommandHandler
    #: Key of the argument hint ("args.id" -> "ID" / "N°"), or "" when none.
    args: str = ""
    audience: Audience = Audience.EVERYONE
    #: Flows that must continue in a private chat (propose, report, /mydata).
    private: bool = False
    #: Order in help menus.
    order: int = 100

    @property
    def help_key(self) -> str:
        return f"help.{self.name}"


@dataclass(frozen=True)
class FlowSpec:
    name: str
    on_text: TextHandler
    #: The command that cancels nothing but restarts the flow, for the help line.
    extra: dict[str, Any] = field(default_factory=dict)


CATALOG: dict[str, CommandSpec] = {}
PRESSES: dict[str, PressHandler] = {}
FLOWS: dict[str, FlowSpec] = {}


def command(
    name: str,
    *,
    args: str = "",
    audience: Audience = Audience.EVERYONE,
    private: bool = False,
    order: int = 100,
) -> Callable[[CommandHandler], CommandHandler]:
    def register(handler: CommandHandler) -> CommandHandler:
        if name in CATALOG:
            raise ValueError(f"command /{name} registered twice")
        CATALOG[name] = CommandSpec(name, handler, args, audience, private, order)
        return handler

    return register


def press(verb: str) -> Callable[[PressHandler], PressHandler]:
    def register(handler: PressHandler) -> PressHandler:
        if verb in PRESSES:
            raise ValueError(f"button verb {verb!r} registered twice")
        PRESSES[verb] = handler
        return handler

    return register


def flow(name: str) -> Callable[[TextHandler], TextHandler]:
    def register(handler: TextHandler) -> TextHandler:
        if name in FLOWS:
            raise ValueError(f"flow {name!r} registered twice")
        FLOWS[name] = FlowSpec(name, handler)
        return handler

    return register


def visible_commands(roles: frozenset[str] | None = None) -> list[CommandSpec]:
    """The catalog in help order; ``roles`` None lists every command."""
    from core.presentation import handlers  # noqa: F401  (registers the catalog)

    def shown(spec: CommandSpec) -> bool:
        if roles is None or spec.audience is Audience.EVERYONE or "admin" in roles:
            return True
        return spec.audience.value in roles

    return sorted((s for s in CATALOG.values() if shown(s)), key=lambda s: (s.order, s.name))
