"""Routing: the outbox's events, in order, become deliveries.

For each event the router decides who must hear of it and how (an instant
alert, a card for the moderators' chat, an official's notice, an edit of a
card sent before), and writes one delivery per recipient identity with a
unique key, moving its cursor in the same transaction: a crash at any point
routes the same events again and adds nothing twice.

The outbox is read back into the event classes of ``core.domain.events``,
and each class has one handler in ``EVENT_HANDLERS`` (as in cosmicpython's
message bus), even those that reach nobody at once. A row that does not read
as an event (written by another version) is logged and passed over.

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

- a badge level you earned (an instant alert, held by your quiet hours).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.bootstrap import Runtime
from core.config import Settings
from core.domain import delivery_payloads
from core.domain.deliveries import (
    HELD_BY_QUIET_HOURS,
    DeliveryDraft,
    DeliveryKind,
    delivery_key,
    quiet_until,
)
from core.domain.delivery_payloads import Alert, CardEdit, DeliveryPayload, LiveCard, ReviewCard
from core.domain.event_codec import Unreadable
from core.domain.events import (
    AppealDecided,
    AppealFiled,
    BadgeEarned,
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    ContentFlagged,
    ContentHidden,
    ContentReported,
    CounterProposed,
    DecisionTaken,
    DomainEvent,
    GoalReached,
    InitiativeEdited,
    InitiativeProposed,
    InitiativeStatusChanged,
    MemberForgotten,
    MembersLinked,
    MemberSuspended,
    MemberUnlinked,
    PostEdited,
    PostPublished,
    ResponsePosted,
    SupportAdded,
    SupportWithdrawn,
    VolunteerJoined,
)
from core.domain.moderation import ModerationAction, TargetType
from core.services import audiences, deliveries, outbox
from core.services.audiences import Recipient
from core.services.outbox import OutboxEntry
from core.storage.uow import UnitOfWork

__all__ = ["CURSOR", "EVENT_HANDLERS", "Router", "Routing", "drafts_for", "route_event"]

log = logging.getLogger(__name__)

#: The outbox cursor of the router.
CURSOR = "notifications"


def drafts_for(
    recipients: Iterable[Recipient],
    *,
    kind: DeliveryKind,
    source: str,
    topic: str,
    payload: DeliveryPayload,
    now: datetime,
) -> list[DeliveryDraft]:
    """One draft per recipient; alerts wait for the end of quiet hours."""
    data = delivery_payloads.encode(payload)
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
                payload=data,
                language=r.language,
                not_before=not_before,
                member_id=r.member_id,
                is_group=r.is_group,
            )
        )
    return drafts


@dataclass(frozen=True)
class Routing:
    """What a handler needs to route one event: the open unit of work, and
    the deliveries it may call for (each keyed by this event's outbox id)."""

    uow: UnitOfWork
    settings: Settings
    event: DomainEvent
    #: The outbox id: what makes each delivery's key unique to this event.
    source: str
    now: datetime
    #: Routed too long after it happened: old news is for the digest.
    expired: bool

    def alert(
        self, members: Iterable[int], topic: str, kind: DeliveryKind = DeliveryKind.ALERT
    ) -> list[DeliveryDraft]:
        """The event, to every reachable identity of these members."""
        if self.expired:
            return []
        return drafts_for(
            audiences.identities(self.uow, members),
            kind=kind,
            source=self.source,
            topic=topic,
            payload=Alert(self.event),
            now=self.now,
        )

    def review(self, item_id: int) -> list[DeliveryDraft]:
        """The review item's card, to the moderators' chats (or moderators)."""
        return drafts_for(
            audiences.moderator_recipients(self.uow, self.settings),
            kind=DeliveryKind.REVIEW,
            source=f"r{item_id}",
            topic=f"review:{item_id}",
            payload=ReviewCard(item_id),
            now=self.now,
        )

    def live_posts(self, initiative_id: int, area_id: int) -> list[DeliveryDraft]:
        """A new initiative's live card, posted in each initiatives' channel
        that takes it."""
        return drafts_for(
            audiences.initiative_channels(self.uow, self.settings, area_id),
            kind=DeliveryKind.LIVE,
            source=f"i{initiative_id}",
            topic=deliveries.live_topic(initiative_id),
            payload=LiveCard(initiative_id),
            now=self.now,
        )

    def live_edits(self, initiative_id: int) -> list[DeliveryDraft]:
        """An edit of each post of the initiative's live card: it changed."""
        return [
            DeliveryDraft(
                key=delivery_key(
                    DeliveryKind.LIVE.value, f"{self.source}:{post.id}", post.platform, post.address
                ),
                platform=post.platform,
                address=post.address,
                kind=DeliveryKind.LIVE.value,
                topic=f"live-edit:{initiative_id}",
                payload=delivery_payloads.encode(LiveCard(initiative_id, of=post.id)),
                language=post.language,
                not_before=self.now,
                member_id=None,
                is_group=post.is_group,
            )
            for post in deliveries.live_posts(self.uow, initiative_id)
        ]

    def edits(self, decision_id: int) -> list[DeliveryDraft]:
        """An edit for every review card of the items this decision closed, so
        the moderators' chat shows the decision instead of stale buttons."""
        items = audiences.items_decided_by(self.uow, decision_id)
        return [
            DeliveryDraft(
                key=delivery_key(
                    DeliveryKind.EDIT.value, f"d{decision_id}:{card.id}", card.platform, card.address
                ),
                platform=card.platform,
                address=card.address,
                kind=DeliveryKind.EDIT.value,
                topic=card.topic,
                payload=delivery_payloads.encode(
                    CardEdit(of=card.id, item_id=int(card.topic.partition(":")[2]), decision_id=decision_id)
                ),
                language=card.language,
                not_before=self.now,
                member_id=card.member_id,
                is_group=card.is_group,
            )
            for card in deliveries.review_cards(self.uow, items)
        ]


# --- one handler per event ---------------------------------------------------

Handler = Callable[[Routing, Any], list[DeliveryDraft]]


def _decision_taken(r: Routing, event: DecisionTaken) -> list[DeliveryDraft]:
    """The review cards show the decision; the content's author hears of it
    with its reason — not of a dismissal: nothing happened to their content."""
    found = r.edits(event.decision_id)
    if event.author_id is not None and event.action is not ModerationAction.DISMISS:
        found += r.alert([event.author_id], topic=f"decision:{event.decision_id}")
    return found


def _appeal_decided(r: Routing, event: AppealDecided) -> list[DeliveryDraft]:
    """The appeal's card shows the outcome; the appellant hears of it."""
    return r.edits(event.decision_id) + r.alert([event.member_id], topic=f"appeal:{event.appeal_id}")


def _response_posted(r: Routing, event: ResponsePosted) -> list[DeliveryDraft]:
    """Everyone who joined or follows the initiative, but the official (an
    edit is on the timeline, not news)."""
    if event.edited:
        return []
    people = audiences.initiative_people(r.uow, event.initiative_id) - {event.official_id}
    return r.alert(people, topic=f"i{event.initiative_id}")


def _goal_reached(r: Routing, event: GoalReached) -> list[DeliveryDraft]:
    """The author, and the officials over its area (with their Respond button)."""
    topic = f"i{event.initiative_id}"
    author = audiences.initiative_author(r.uow, event.initiative_id)
    found = r.alert([author] if author is not None else [], topic=topic)
    officials = audiences.officials_over(r.uow, event.area_id)
    return found + r.alert(officials, topic=topic, kind=DeliveryKind.OFFICIAL)


def _volunteer_joined(r: Routing, event: VolunteerJoined) -> list[DeliveryDraft]:
    """The author hears of the first volunteer (unless it is themselves)."""
    if not event.first:
        return []
    author = audiences.initiative_author(r.uow, event.initiative_id)
    if author is None or author == event.member_id:
        return []
    return r.alert([author], topic=f"i{event.initiative_id}")


def _to_review(r: Routing, event: ContentHidden | ContentFlagged | AppealFiled) -> list[DeliveryDraft]:
    """A review item opened: its card goes to the moderators."""
    return r.review(event.review_item_id)


def _content_reported(r: Routing, event: ContentReported) -> list[DeliveryDraft]:
    """A report on a member opens a review item at once (no hiding); reports
    on content reach the moderators when it is hidden (ContentHidden)."""
    if event.target_type is not TargetType.MEMBER:
        return []
    item_id = audiences.open_item(r.uow, TargetType.MEMBER.value, event.target_id)
    return r.review(item_id) if item_id is not None else []


def _badge_earned(r: Routing, event: BadgeEarned) -> list[DeliveryDraft]:
    """The member who earned it, on every front end they use."""
    return r.alert([event.member_id], topic=f"badge:{event.badge}:{event.level}")


def _proposed(r: Routing, event: InitiativeProposed) -> list[DeliveryDraft]:
    """Its live card in the initiatives' channels (old news is posted too:
    the channel lists every initiative)."""
    return r.live_posts(event.initiative_id, event.area_id)


def _changed(r: Routing, event: Any) -> list[DeliveryDraft]:
    """The initiative's live cards show how it stands now."""
    return r.live_edits(event.initiative_id)


def _and_moderated(handler: Handler) -> Handler:
    """``handler``, and the live cards edited when the content is an
    initiative (hidden, removed, shown again: its card says so)."""

    def both(r: Routing, event: Any) -> list[DeliveryDraft]:
        found = handler(r, event)
        if event.target_type is TargetType.INITIATIVE:
            found += r.live_edits(event.target_id)
        return found

    both.__doc__ = handler.__doc__
    return both


def _and_changed(handler: Handler) -> Handler:
    """``handler``, and the live cards of the event's initiative edited."""

    def both(r: Routing, event: Any) -> list[DeliveryDraft]:
        return handler(r, event) + r.live_edits(event.initiative_id)

    both.__doc__ = handler.__doc__
    return both


def _no_one(r: Routing, event: DomainEvent) -> list[DeliveryDraft]:
    """Nobody hears of it at once: digests and the timeline read these from
    the tables when they are built."""
    return []


#: Every event class and its handler (a test checks none is missing).
EVENT_HANDLERS: dict[type[DomainEvent], Handler] = {
    DecisionTaken: _and_moderated(_decision_taken),
    AppealDecided: _appeal_decided,
    ResponsePosted: _and_changed(_response_posted),
    GoalReached: _and_changed(_goal_reached),
    VolunteerJoined: _and_changed(_volunteer_joined),
    ContentHidden: _and_moderated(_to_review),
    ContentFlagged: _to_review,
    AppealFiled: _to_review,
    ContentReported: _content_reported,
    BadgeEarned: _badge_earned,
    InitiativeProposed: _proposed,
    CounterProposed: _no_one,
    SupportAdded: _changed,
    SupportWithdrawn: _changed,
    InitiativeStatusChanged: _changed,
    PostPublished: _no_one,
    CommentPosted: _no_one,
    MemberSuspended: _no_one,
    # Authors' edits stay on the timeline: nobody is alerted to a typo fixed
    # (the live cards show the new text).
    InitiativeEdited: _changed,
    PostEdited: _no_one,
    CommentEdited: _no_one,
    CommentDeleted: _no_one,
    # What a person does to their own accounts is told to them in the reply.
    MembersLinked: _no_one,
    MemberUnlinked: _no_one,
    MemberForgotten: _no_one,
}


def route_event(uow: UnitOfWork, entry: OutboxEntry, settings: Settings) -> list[DeliveryDraft]:
    """Inside an open unit of work: the deliveries one outbox entry calls for
    (none for a row that does not read as an event: logged and passed over)."""
    event = entry.event
    if isinstance(event, Unreadable):
        log.warning("outbox event %d (%r) skipped: %s", entry.id, event.name, event.problem)
        return []
    handler = EVENT_HANDLERS.get(type(event))
    if handler is None:
        log.warning("outbox event %d (%s) skipped: no handler", entry.id, type(event).__name__)
        return []
    now = uow.now()
    expired = now - entry.occurred_at > timedelta(hours=settings.notifications.alert_expiry_hours)
    return handler(Routing(uow, settings, event, f"e{entry.id}", now, expired), event)


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

    def _contiguous(self, position: int, events: tuple[OutboxEntry, ...]) -> list[OutboxEntry]:
        taken: list[OutboxEntry] = []
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
        batch = outbox.read_outbox(self.runtime.uow(), CURSOR, self.batch)
        events = self._contiguous(batch.position, batch.entries)
        if not events:
            return 0
        drafts: list[DeliveryDraft] = []
        with self.runtime.uow() as uow:
            for event in events:
                drafts.extend(route_event(uow, event, self.runtime.settings))
        moved = outbox.record_routing(self.runtime.uow(), CURSOR, batch.position, events[-1].id, drafts)
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
