"""Events as JSON, and back: the one serializer of the domain events (and of
the other typed records stored as JSON: what a delivery carries).

An event is stored as its class's stable ``name`` and a payload of its
fields (enums as their values, datetimes in ISO 8601, tuples as lists); read
back, each field is rebuilt as its annotation says (the enum, the datetime,
the tuple). The outbox stores events this way, and so does an alert in the
delivery ledger, which carries the event it tells of.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

from core.domain.events import DomainEvent, event_classes

__all__ = [
    "RENAMED",
    "Unreadable",
    "as_named",
    "decode",
    "encode",
    "event_class",
    "read_event",
    "read_named",
]

#: Outbox names written by earlier versions, and the class that reads them
#: now. When an event's ``name`` changes, its old name goes here so the rows
#: already written still read; a name found neither here nor on a class is
#: Unreadable.
RENAMED: dict[str, type[DomainEvent]] = {}


@cache
def _by_name() -> dict[str, type[DomainEvent]]:
    found: dict[str, type[DomainEvent]] = {}
    for cls in event_classes():
        if cls.name in found or cls.name in RENAMED:
            raise RuntimeError(f"two event classes are named {cls.name!r} in the outbox")
        found[cls.name] = cls
    return found


def event_class(name: str) -> type[DomainEvent] | None:
    """The class that reads rows of this outbox name (None: no class does)."""
    return _by_name().get(name) or RENAMED.get(name)


# --- the codec ------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def encode(record: Any) -> dict[str, Any]:
    """An event's payload (or any such dataclass's fields), as JSON."""
    return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}


T = TypeVar("T")
_hints_of: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _hints_of:
        _hints_of[cls] = get_type_hints(cls)
    return _hints_of[cls]


def _typed(hint: Any, value: Any) -> Any:
    """``value`` read from JSON, as the field's annotation says it is."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if value is None and len(options) < len(get_args(hint)):
            return None
        (inner,) = options
        return _typed(inner, value)
    if origin is tuple:
        item = get_args(hint)[0]
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {value!r}")
        return tuple(_typed(item, v) for v in value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    expected = {int: int, bool: bool, str: str}.get(hint)
    # bool is an int in Python: a JSON true is no id.
    if expected is not None and (
        not isinstance(value, expected) or (hint is int and isinstance(value, bool))
    ):
        raise TypeError(f"expected {hint.__name__}, got {value!r}")
    return value


def decode(cls: type[T], payload: dict[str, Any]) -> T:
    """The event (or record) a payload stands for (fields its class no longer has are
    ignored; defaults fill the ones added since). ValueError or TypeError
    when the payload does not fit the class."""
    hints = _hints(cls)
    values = {
        f.name: _typed(hints[f.name], payload[f.name]) for f in fields(cast(Any, cls)) if f.name in payload
    }
    return cls(**values)


@dataclass(frozen=True)
class Unreadable:
    """An outbox row that does not read as any event: why, for the log."""

    name: str
    problem: str


def read_event(name: str, payload: dict[str, Any]) -> DomainEvent | Unreadable:
    """The event stored under ``name``, or why it does not read."""
    cls = event_class(name)
    if cls is None:
        return Unreadable(name, "no event class has this name (written by another version?)")
    try:
        return decode(cls, payload)
    except (TypeError, ValueError, KeyError) as error:
        return Unreadable(name, f"its payload does not fit {cls.__name__}: {error}")


#: The key of the event's name in a payload that carries one (an alert's).
_NAME = "event"


def as_named(event: DomainEvent) -> dict[str, Any]:
    """An event as one JSON object that names it (an alert's payload)."""
    return {_NAME: event.name, **encode(event)}


def read_named(payload: dict[str, Any]) -> DomainEvent | Unreadable:
    """The event of an ``as_named`` payload."""
    fields_only = {key: value for key, value in payload.items() if key != _NAME}
    return read_event(str(payload.get(_NAME, "")), fields_only)
