"""Routing: the outbox's events, in order, become deliveries.

For each event the router decides who must hear of it and how (an instant
alert, a card for the moderators' chat, an official's notice, an edit of a
card sent before), and writes one delivery per recipient identity with a
unique key, moving its cursor in the same transaction: a crash at any point
routes the same events again and adds nothing twice.

Who hears what:

- a decision on your content, with its reason (not a dismissal: nothing
  happened to it) — and every review card sent for the items it closed is
  edited to show the decision;
- your appeal's outcome (and the appeal's card is edited likewise);
- an official response on an initiative you joined or follow;
- your initiative reached its goal, or got its first volunteer;
- officials whose active mandate covers its area: an initiative reached its
  goal (the card carries their Respond button);
- the moderators' chat of each platform (each moderator in person where a
  platform has none): content hidden by reports, flagged by the word lists,
  an appeal, a report on a member.

Badges do not exist yet: nothing to route for them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from core.bootstrap import Runtime
from core.config import Settings
from core.domain.deliveries import (
    HELD_BY_QUIET_HOURS,
    DeliveryDraft,
    DeliveryKind,
    delivery_key,
    quiet_until,
)
from core.services import audiences, deliveries
from core.services.audiences import Recipient
from core.services.deliveries import OutboxEvent
from core.storage.uow import UnitOfWork

__all__ = ["CURSOR", "Router", "drafts_for", "route_event"]

log = logging.getLogger(__name__)

#: The outbox cursor of the router.
CURSOR = "notifications"

_REVIEW_EVENTS = ("content_hidden", "content_flagged", "appeal_filed")


def drafts_for(
    recipients: Iterable[Recipient],
    *,
    kind: DeliveryKind,
    source: str,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
) -> list[DeliveryDraft]:
    """One draft per recipient; alerts wait for the end of quiet hours."""
    drafts = []
    for r in recipients:
        not_before = now
        if kind in HELD_BY_QUIET_HOURS and not r.is_group:
            not_before = quiet_until(r.quiet_start, r.quiet_end, r.time_zone, now) or now
        drafts.append(
            DeliveryDraft(
                key=delivery_key(kind.value, source, r.platform, r.address),
                platform=r.platform,
                address=r.address,
                kind=kind.value,
                topic=topic,
                payload=payload,
                language=r.language,
                not_before=not_before,
                member_id=r.member_id,
                is_group=r.is_group,
            )
        )
    return drafts


def _edits(uow: UnitOfWork, decision_id: int, now: datetime) -> list[DeliveryDraft]:
    """An edit for every review card of the items this decision closed, so
    the moderators' chat shows the decision instead of stale buttons."""
    items = audiences.items_decided_by(uow, decision_id)
    return [
        DeliveryDraft(
            key=delivery_key(
                DeliveryKind.EDIT.value, f"d{decision_id}:{card.id}", card.platform, card.address
            ),
            platform=card.platform,
            address=card.address,
            kind=DeliveryKind.EDIT.value,
            topic=card.topic,
            payload={"of": card.id, "item_id": int(card.topic.partition(":")[2]), "decision_id": decision_id},
            language=card.language,
            not_before=now,
            member_id=card.member_id,
            is_group=card.is_group,
        )
        for card in deliveries.review_cards(uow, items)
    ]


def route_event(uow: UnitOfWork, event: OutboxEvent, settings: Settings) -> list[DeliveryDraft]:
    """Inside an open unit of work: the deliveries one event calls for."""
    now = uow.now()
    p = event.payload
    source = f"e{event.id}"
    alert_payload = {"event": event.name, **p}
    expired = now - event.occurred_at > timedelta(hours=settings.notifications.alert_expiry_hours)

    def alert(
        members: Iterable[int], kind: DeliveryKind = DeliveryKind.ALERT, topic: str = ""
    ) -> list[DeliveryDraft]:
        if expired:
            return []
        return drafts_for(
            audiences.identities(uow, members),
            kind=kind,
            source=source,
            topic=topic or event.name,
            payload=alert_payload,
            now=now,
        )

    def review(item_id: int) -> list[DeliveryDraft]:
        return drafts_for(
            audiences.moderator_recipients(uow, settings),
            kind=DeliveryKind.REVIEW,
            source=f"r{item_id}",
            topic=f"review:{item_id}",
            payload={"item_id": item_id, "event": event.name},
            now=now,
        )

    name = event.name
    if name == "decision_taken":
        found = _edits(uow, int(p["decision_id"]), now)
        if p.get("author_id") is not None and p.get("action") != "dismiss":
            found += alert([int(p["author_id"])], topic=f"decision:{p['decision_id']}")
        return found
    if name == "appeal_decided":
        return _edits(uow, int(p["decision_id"]), now) + alert(
            [int(p["member_id"])], topic=f"appeal:{p['appeal_id']}"
        )
    if name == "response_posted":
        if p.get("edited"):
            return []
        people = audiences.initiative_people(uow, int(p["initiative_id"])) - {int(p["official_id"])}
        return alert(people, topic=f"i{p['initiative_id']}")
    if name == "goal_reached":
        initiative_id = int(p["initiative_id"])
        author = audiences.initiative_author(uow, initiative_id)
        found = alert([author] if author is not None else [], topic=f"i{initiative_id}")
        officials = audiences.officials_over(uow, int(p["area_id"]))
        return found + alert(officials, DeliveryKind.OFFICIAL, topic=f"i{initiative_id}")
    if name == "volunteer_joined":
        if not p.get("first"):
            return []
        author = audiences.initiative_author(uow, int(p["initiative_id"]))
        if author is None or author == int(p["member_id"]):
            return []
        return alert([author], topic=f"i{p['initiative_id']}")
    if name in _REVIEW_EVENTS:
        return review(int(p["review_item_id"]))
    if name == "content_reported" and p.get("target_type") == "member":
        # A report on a member opens a review item at once (no hiding).
        item_id = audiences.open_item(uow, "member", int(p["target_id"]))
        return review(item_id) if item_id is not None else []
    return []


class Router:
    """Routes the outbox in batches; ``route_once`` is synchronous (run it
    off the event loop). On PostgreSQL, ids are handed out before commit, so
    a hole in the ids may be a transaction still committing: the router
    waits up to ``outbox_gap_seconds`` for it before going past (a hole that
    stays is a rolled-back transaction)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        gap_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        settings = runtime.settings.notifications
        self.gap_seconds = settings.outbox_gap_seconds if gap_seconds is None else gap_seconds
        self.batch = settings.route_batch
        self.monotonic = monotonic
        self._gap_seen: dict[int, float] = {}

    def _contiguous(self, position: int, events: tuple[OutboxEvent, ...]) -> list[OutboxEvent]:
        taken: list[OutboxEvent] = []
        expected = position + 1
        for event in events:
            if event.id != expected:
                seen = self._gap_seen.setdefault(expected, self.monotonic())
                if self.monotonic() - seen < self.gap_seconds:
                    break
                log.info("outbox ids %d..%d never appeared: going past them", expected, event.id - 1)
                self._gap_seen.pop(expected, None)
            taken.append(event)
            expected = event.id + 1
        return taken

    def route_once(self) -> int:
        """Route one batch; returns how many events were routed."""
        batch = deliveries.read_outbox(self.runtime.uow(), CURSOR, self.batch)
        events = self._contiguous(batch.position, batch.events)
        if not events:
            return 0
        drafts: list[DeliveryDraft] = []
        with self.runtime.uow() as uow:
            for event in events:
                drafts.extend(route_event(uow, event, self.runtime.settings))
        moved = deliveries.record_routing(self.runtime.uow(), CURSOR, batch.position, events[-1].id, drafts)
        if not moved:
            log.warning("another router moved the outbox cursor: this batch is left to it")
            return 0
        return len(events)

    def route_all(self) -> int:
        """Route until the outbox is drained (or waits on a hole)."""
        total = 0
        while True:
            routed = self.route_once()
            if not routed:
                return total
            total += routed
