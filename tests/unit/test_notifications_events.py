"""Typed events end to end: every event class survives the outbox, a row that
no longer reads is passed over (logged) without holding up the rest, and the
router knows every event class."""

from __future__ import annotations

import logging
import types
from dataclasses import fields
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from sqlalchemy import insert, select

from core.bootstrap import Runtime
from core.domain import delivery_payloads
from core.domain.deliveries import DeliveryKind
from core.domain.delivery_payloads import Alert, CardEdit, Digest, LiveCard, Recall, ReviewCard, Summary
from core.domain.event_codec import Unreadable, as_named, read_named
from core.domain.events import (
    DomainEvent,
    GoalReached,
    MemberSuspended,
    PostPublished,
    VolunteerJoined,
    event_classes,
)
from core.services import admin
from core.services.outbox import read_outbox
from core.storage import tables
from notifications.render import RENDERERS
from notifications.router import CURSOR, EVENT_HANDLERS
from tests.fakes.sender import FakeSender, NotificationLoop
from tests.support import People, is_error, propose


def _sample(hint: Any, n: int) -> Any:
    """A value of the annotated type (the last member of an enum: never the
    default-looking first one)."""
    if get_origin(hint) in (Union, types.UnionType):
        return _sample(next(a for a in get_args(hint) if a is not type(None)), n)
    if get_origin(hint) is tuple:
        return (f"word{n}", f"other{n}")
    if isinstance(hint, type) and issubclass(hint, Enum):
        return list(hint)[-1]
    if hint is datetime:
        return datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    return {int: 40 + n, bool: True, str: f"text{n}"}[hint]


def sample(cls: type[DomainEvent]) -> DomainEvent:
    hints = get_type_hints(cls)
    return cls(**{f.name: _sample(hints[f.name], n) for n, f in enumerate(fields(cls))})


def test_every_event_class_is_known_and_named_once() -> None:
    classes = event_classes()
    assert len(classes) >= 17
    assert len({cls.name for cls in classes}) == len(classes)


@pytest.mark.parametrize("cls", event_classes(), ids=lambda cls: cls.__name__)
def test_every_event_class_round_trips_through_the_outbox(runtime: Runtime, cls: type[DomainEvent]) -> None:
    event = sample(cls)
    with runtime.uow() as uow:
        uow.emit(event)
        uow.commit()
    (entry,) = read_outbox(runtime.uow(), "round-trip", 10).entries
    assert entry.event == event
    for f in fields(event):  # the same types, not merely equal values (a StrEnum equals its string)
        assert type(getattr(entry.event, f.name)) is type(getattr(event, f.name)), f.name
    # An alert carries its event the same way.
    assert read_named(as_named(event)) == event


def test_an_event_written_before_a_field_existed_reads_with_its_default(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        uow.session.execute(
            insert(tables.outbox).values(
                name="post_published",
                payload={"initiative_id": 1, "post_id": 2, "author_id": 3},
                occurred_at=uow.now(),
            )
        )
        uow.commit()
    (entry,) = read_outbox(runtime.uow(), "old", 10).entries
    assert entry.event == PostPublished(initiative_id=1, post_id=2, author_id=3, notify=False)


def test_a_permanent_suspension_reads_back_as_none() -> None:
    event = MemberSuspended(member_id=3, until=None)
    assert read_named(as_named(event)) == event


def test_the_router_has_a_handler_for_every_event_class() -> None:
    assert set(EVENT_HANDLERS) == set(event_classes())


def test_rows_that_do_not_read_are_skipped_with_a_log_line_and_do_not_block_the_cursor(
    runtime: Runtime, people: People
) -> None:
    with runtime.uow() as uow:
        for name, payload in (
            ("badge_awarded", {"member_id": 1}),  # no such event (another version wrote it)
            ("volunteer_joined", {"initiative_id": "x", "member_id": 1, "first": True}),  # not an id
            ("goal_reached", {"initiative_id": 1}),  # fields missing
        ):
            uow.session.execute(
                insert(tables.outbox).values(name=name, payload=payload, occurred_at=uow.now())
            )
        uow.commit()
    entries = read_outbox(runtime.uow(), CURSOR, 10).entries
    assert [type(e.event) for e in entries] == [Unreadable] * 3

    # An event behind them is routed as usual: the moderator gets its card.
    people["mod"].member_id  # noqa: B018  (the member exists once they spoke)
    admin.grant_role(runtime.uow(), "test:mod", "moderator")
    initiative_id = propose(people, "alice")
    for name in ("rita", "remy", "rose"):
        people[name].say(f"/report {initiative_id}")
        people[name].press("Spam")
        assert not is_error(people[name].press("No note"))
    loop = NotificationLoop(runtime, FakeSender("test"))
    # The router's own logger, heard directly: whatever another test did to
    # the logging tree (a disabled logger, a level) does not hide its lines.
    lines: list[str] = []
    heard = logging.Handler(logging.WARNING)
    heard.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    router_log = logging.getLogger("notifications.router")
    was = (router_log.disabled, router_log.level)
    router_log.disabled = False
    router_log.setLevel(logging.WARNING)
    router_log.addHandler(heard)
    try:
        loop.run()
    finally:
        router_log.removeHandler(heard)
        router_log.disabled, router_log.level = was
    (card,) = loop.sender.to("mod")
    assert card.cards[0].ref == "review:1"

    skipped = [line for line in lines if "skipped" in line]
    assert len(skipped) == 3
    assert "'badge_awarded'" in skipped[0] and "no event class" in skipped[0]
    assert "VolunteerJoined" in skipped[1] and "GoalReached" in skipped[2]
    c, o = tables.outbox_cursors.c, tables.outbox.c
    with runtime.uow() as uow:
        position = uow.session.scalar(select(c.position).where(c.name == CURSOR))
        last = uow.session.scalar(select(o.id).order_by(o.id.desc()).limit(1))
    assert position == last


def test_an_alert_whose_event_no_longer_reads_is_skipped_not_sent() -> None:
    payload = as_named(VolunteerJoined(initiative_id=1, member_id=2, first=True))
    payload["event"] = "volunteer_joined_v0"
    found = read_named(payload)
    assert isinstance(found, Unreadable) and found.name == "volunteer_joined_v0"


@pytest.mark.parametrize("kind", list(DeliveryKind), ids=str)
def test_what_every_kind_of_delivery_carries_round_trips_and_has_a_renderer(kind: DeliveryKind) -> None:
    payload = {
        DeliveryKind.ALERT: Alert(VolunteerJoined(initiative_id=1, member_id=2, first=True)),
        DeliveryKind.OFFICIAL: Alert(sample(GoalReached)),
        DeliveryKind.REVIEW: ReviewCard(item_id=3),
        DeliveryKind.EDIT: CardEdit(of=4, item_id=3, decision_id=5),
        DeliveryKind.RECALL: Recall(items=(3, 6)),
        DeliveryKind.SUMMARY: Summary(count=2),
        DeliveryKind.DIGEST: Digest(member_id=2, period="w2026-W48"),
        DeliveryKind.LIVE: LiveCard(initiative_id=1, of=4),
    }[kind]
    assert delivery_payloads.decode(kind, delivery_payloads.encode(payload)) == payload
    assert type(payload) in RENDERERS
