"""The command catalog: every front end (terminal, Telegram, Discord, web) is
generated from it, so commands, parameters and help texts never disagree.

A ``Catalog`` holds three things, built by ``core.presentation.catalog.build_catalog``
from what each handler module declares (``COMMANDS``, ``PRESSES``, ``FLOWS``):

- commands (``CommandSpec``): a name, typed parameters, who it is shown to and
  the handler, called with the parsed values as keyword arguments;
- presses: button payload verbs (``v1:j:42``) and their handlers;
- flows: the steps of multi-step conversations, fed with the text a person
  types while the flow is open.

``Catalog.commands``, ``Catalog.presses`` and ``Catalog.flows`` list all of
them (the property-based test walks them).

A handler that only reads is marked ``@read_only``: its command or press then
runs in a read transaction, which on SQLite takes no write lock. Unmarked
handlers run in a write transaction from the start. The mark only chooses
the kind of transaction: a read-only handler that writes after all (a first
contact creates the member) still works, run again holding the write lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from core.domain.members import Role, has_role
from core.presentation.parameters import Parameter, Suggestion, complete, parse_text, parse_values, usage

if TYPE_CHECKING:
    from core.domain.flows import Conversation
    from core.presentation.cards import Reply
    from core.presentation.context import Context

__all__ = [
    "Audience",
    "Catalog",
    "CommandHandler",
    "CommandSpec",
    "FlowSpec",
    "PressHandler",
    "TextHandler",
    "default_catalog",
    "is_read_only",
    "read_only",
    "visible_commands",
]


class Audience(StrEnum):
    """Who a command is shown to in help menus. It decides nothing: the core
    authorises every action again."""

    EVERYONE = "everyone"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


#: Called as ``handler(ctx, **values)``, one keyword per parameter (None when absent).
CommandHandler = Callable[..., "Reply"]
PressHandler = Callable[["Context", list[str]], "Reply"]
TextHandler = Callable[["Context", "Conversation", str], "Reply"]

H = TypeVar("H", bound=Callable[..., Any])

_READ_ONLY = "__possibles_read_only__"


def read_only(handler: H) -> H:
    """Mark a command or press handler that writes nothing (see the module's doc)."""
    setattr(handler, _READ_ONLY, True)
    return handler


def is_read_only(handler: Callable[..., Any]) -> bool:
    return bool(getattr(handler, _READ_ONLY, False))


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: CommandHandler
    parameters: tuple[Parameter, ...] = ()
    audience: Audience = Audience.EVERYONE
    #: Flows that must continue in a private chat (propose, report, appeal).
    private: bool = False
    #: Order in help menus.
    order: int = 100

    @property
    def writes(self) -> bool:
        """False when the handler is marked ``@read_only``."""
        return not is_read_only(self.handler)

    @property
    def help_key(self) -> str:
        return f"help.{self.name}"

    def usage(self, language: str, shown: str | None = None) -> str:
        """ "/join ID": the command and its parameters, for help lines
        (``shown``: its name where the platform names it otherwise)."""
        return usage(self, language, shown)

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)


@dataclass(frozen=True)
class FlowSpec:
    name: str
    on_text: TextHandler


@dataclass(frozen=True)
class Catalog:
    """Every command, press verb and flow; read-only once built."""

    commands: Mapping[str, CommandSpec]
    presses: Mapping[str, PressHandler]
    flows: Mapping[str, FlowSpec]

    @classmethod
    def build(
        cls,
        commands: Iterable[CommandSpec],
        presses: Iterable[tuple[str, PressHandler]],
        flows: Iterable[tuple[str, TextHandler]],
    ) -> Catalog:
        """A catalog of these parts; ValueError when a name is given twice."""
        by_name: dict[str, CommandSpec] = {}
        for spec in commands:
            if spec.name in by_name:
                raise ValueError(f"command /{spec.name} registered twice")
            names = [p.name for p in spec.parameters]
            if len(set(names)) != len(names):
                raise ValueError(f"command /{spec.name} has two parameters of one name")
            by_name[spec.name] = spec
        verbs: dict[str, PressHandler] = {}
        for verb, handler in presses:
            if verb in verbs:
                raise ValueError(f"button verb {verb!r} registered twice")
            verbs[verb] = handler
        steps: dict[str, FlowSpec] = {}
        for name, on_text in flows:
            if name in steps:
                raise ValueError(f"flow {name!r} registered twice")
            steps[name] = FlowSpec(name, on_text)
        return cls(MappingProxyType(by_name), MappingProxyType(verbs), MappingProxyType(steps))

    def command(self, name: str) -> CommandSpec | None:
        return self.commands.get(name.lower())

    def press_writes(self, verb: str) -> bool:
        """Whether the press ``verb`` may write (an unknown verb writes nothing)."""
        handler = self.presses.get(verb)
        return handler is not None and not is_read_only(handler)

    def visible_commands(self, roles: frozenset[str] | None = None) -> list[CommandSpec]:
        """The commands in help order; ``roles`` None lists every command."""

        def shown(spec: CommandSpec) -> bool:
            if roles is None or spec.audience is Audience.EVERYONE:
                return True
            return has_role(roles, Role(spec.audience.value))

        return sorted((s for s in self.commands.values() if shown(s)), key=lambda s: (s.order, s.name))

    def run_text(self, ctx: Context, spec: CommandSpec, text: str) -> Reply:
        """Run ``spec`` with the parameters read from typed text."""
        values: dict[str, Any] = parse_text(ctx, spec, text)
        return spec.handler(ctx, **values)

    def run_values(self, ctx: Context, spec: CommandSpec, given: Mapping[str, str]) -> Reply:
        """Run ``spec`` with parameters given one by one (options, form fields)."""
        values: dict[str, Any] = parse_values(ctx, spec, given)
        return spec.handler(ctx, **values)

    def complete(self, ctx: Context, command: str, parameter: str, prefix: str) -> list[Suggestion]:
        """Suggestions for ``parameter`` of ``command`` while ``prefix`` is typed;
        empty for an unknown command or parameter."""
        spec = self.command(command)
        if spec is None:
            return []
        try:
            found = spec.parameter(parameter)
        except KeyError:
            return []
        return complete(ctx, found, prefix)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The project's catalog, built once."""
    from core.presentation.catalog import build_catalog

    return build_catalog()


def visible_commands(roles: frozenset[str] | None = None) -> list[CommandSpec]:
    """The default catalog's commands in help order; ``roles`` None lists every command."""
    return default_catalog().visible_commands(roles)
