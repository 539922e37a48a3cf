"""Rendering: a delivery becomes cards in the recipient's language, at send
time, so a message says how things stand when it leaves (a review card
decided meanwhile is not sent; a digest whose initiatives all vanished is
not sent either: never an empty message).

Cards come from the same builders as the chat's answers (the initiative
card, the moderators' review card, the decided card, an official response,
what awaits an official), so a notification looks like the rest of the bot
and its buttons work the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.bootstrap import Runtime
from core.domain import delivery_payloads
from core.domain.deliveries import DeliveryKind, DeliveryState
from core.domain.delivery_payloads import (
    Alert,
    CardEdit,
    DeliveryPayload,
    Digest,
    LiveCard,
    Recall,
    ReviewCard,
    Summary,
)
from core.domain.event_codec import Unreadable
from core.domain.events import (
    AppealDecided,
    BadgeEarned,
    DecisionTaken,
    DomainEvent,
    GoalReached,
    ResponsePosted,
    VolunteerJoined,
)
from core.domain.initiatives import Status
from core.domain.members import Identity
from core.domain.moderation import ModerationAction, ReviewCause
from core.errors import PossiblesError
from core.presentation.cards import Action, ActionStyle, Card, CardKind
from core.presentation.context import Context, Speaker
from core.presentation.handlers.initiatives import initiative_card, live_stage
from core.presentation.handlers.moderation import decided_card, reason_text, review_card, target_text
from core.presentation.handlers.officials import awaiting_reply, response_card
from core.presentation.handlers.profiles import badge_card
from core.presentation.i18n import Translator
from core.presentation.payloads import build
from core.services import deliveries, digests, initiatives, notices, officials
from core.services.deliveries import DeliveryView
from core.services.members import MemberView
from core.services.moderation import DecisionResult, QueueEntry

__all__ = ["ALERT_RENDERERS", "RENDERERS", "Defer", "Rendered", "Skip", "render"]

#: How long an edit waits for the card it changes to be sent.
EDIT_WAIT_SECONDS = 5.0
#: Buttons of a digest or a recall: one per initiative or item, four a row.
_PER_ROW = 4


@dataclass(frozen=True)
class Rendered:
    cards: tuple[Card, ...]
    #: The platform's id of the message to edit instead of sending a new one.
    edit_ref: str | None = None
    #: Labels a platform may show beside the message (a forum post's tags).
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    """Nothing to say any more: the delivery ends without a message."""

    reason: str


@dataclass(frozen=True)
class Defer:
    """Not yet: what this delivery depends on has not happened."""

    seconds: float
    reason: str


Result = Rendered | Skip | Defer
#: Renders one delivery from its payload (or an alert from its event).
Renderer = Callable[[Context, DeliveryView, Any], Result]


def _context(runtime: Runtime, delivery: DeliveryView) -> Context | None:
    settings = runtime.settings
    if delivery.member_id is not None:
        member = notices.recipient_view(runtime.uow(), delivery.member_id)
        if member is None:
            return None
    else:  # a group chat: nobody in particular, the deployment's language
        member = MemberView(
            id=0,
            display_name="",
            language=delivery.language,
            time_zone=settings.default_time_zone,
            roles=frozenset(),
            home_area_id=None,
            suspended=False,
        )
    speaker = Speaker(
        Identity(delivery.platform, delivery.address), member.display_name, in_group=delivery.is_group
    )
    return Context(
        speaker=speaker,
        member=member,
        settings=settings,
        uow_factory=runtime.uow_factory,
        t=Translator(member.language, member.time_zone),
    )


def render(runtime: Runtime, delivery: DeliveryView) -> Result:
    """The message a delivery stands for, now (synchronous: reads the core)."""
    ctx = _context(runtime, delivery)
    if ctx is None:
        return Skip("the recipient no longer exists")
    try:
        payload = delivery_payloads.decode(DeliveryKind(delivery.kind), delivery.payload)
    except (TypeError, ValueError) as error:
        return Skip(f"the delivery does not read as a {delivery.kind}: {error}")
    try:
        return RENDERERS[type(payload)](ctx, delivery, payload)
    except PossiblesError as error:
        # Hidden, removed, no longer an official...: nothing to tell.
        return Skip(f"no longer applies: {error.key}")


# --- alerts -------------------------------------------------------------------


def _with_initiative(ctx: Context, line: str, initiative_id: int) -> Rendered:
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.member.id)
    return Rendered((Card(lines=(line,), kind=CardKind.SUCCESS), initiative_card(ctx, view)))


def _decision_alert(ctx: Context, delivery: DeliveryView, event: DecisionTaken) -> Result:
    return _decision(ctx, event.decision_id)


def _appeal_alert(ctx: Context, delivery: DeliveryView, event: AppealDecided) -> Result:
    t = ctx.t
    notice = notices.appeal_notice(ctx.uow, event.appeal_id)
    if notice is None:
        return Skip("the appeal is gone")
    key = "notifications.appeal.upheld" if notice.upheld else "notifications.appeal.overturned"
    lines = [t(key, id=notice.decision_id, target=target_text(t, notice.target_type, notice.target_id))]
    # Decided without a typed reason, an appeal's reason is its cause: nothing to tell.
    if notice.reason and notice.reason != ReviewCause.APPEAL:
        lines.append(t("decision.reason", reason=reason_text(t, notice.reason)))
    return Rendered((Card(title=t("notifications.appeal.title"), lines=tuple(lines)),))


def _response_alert(ctx: Context, delivery: DeliveryView, event: ResponsePosted) -> Result:
    t = ctx.t
    initiative_id = event.initiative_id
    view = initiatives.initiative_view(ctx.uow, initiative_id, ctx.member.id)
    found = [
        r for r in officials.responses_for(ctx.uow, initiative_id, ctx.member.id) if r.id == event.response_id
    ]
    if not found:
        return Skip("the response is no longer shown")
    intro = Card(
        lines=(t("notifications.response.intro", id=initiative_id, title=view.title),),
        actions=(Action(t("notifications.button.open", id=initiative_id), build("s", initiative_id)),),
    )
    return Rendered((intro, response_card(ctx, found[0])))


def _goal_alert(ctx: Context, delivery: DeliveryView, event: GoalReached) -> Result:
    t = ctx.t
    if delivery.kind == DeliveryKind.OFFICIAL.value:
        return _with_initiative(ctx, t("notifications.goal.official"), event.initiative_id)
    line = t("notifications.goal.author", id=event.initiative_id, count=event.goal)
    return _with_initiative(ctx, line, event.initiative_id)


def _volunteer_alert(ctx: Context, delivery: DeliveryView, event: VolunteerJoined) -> Result:
    line = ctx.t("notifications.volunteer.first", id=event.initiative_id)
    return _with_initiative(ctx, line, event.initiative_id)


def _badge_alert(ctx: Context, delivery: DeliveryView, event: BadgeEarned) -> Result:
    t = ctx.t
    card = badge_card(ctx, event.badge, event.level)
    if card is None:
        return Skip(f"the badge {event.badge!r} is no longer configured")
    rule = ctx.settings.badge_book().get(event.badge)
    assert rule is not None
    intro = Card(
        title=t("badges.earned.title"),
        lines=(t("badges.earned.body", badge=rule.name_in(ctx.language), level=event.level),),
        actions=(Action(t("badges.button.profile"), build("pf", event.member_id)),),
        kind=CardKind.SUCCESS,
    )
    return Rendered((intro, card))


#: The events the router alerts people of, and how each alert reads.
ALERT_RENDERERS: dict[type[DomainEvent], Renderer] = {
    DecisionTaken: _decision_alert,
    AppealDecided: _appeal_alert,
    ResponsePosted: _response_alert,
    GoalReached: _goal_alert,
    VolunteerJoined: _volunteer_alert,
    BadgeEarned: _badge_alert,
}


def _alert(ctx: Context, delivery: DeliveryView, payload: Alert) -> Result:
    event = payload.event
    if isinstance(event, Unreadable):
        return Skip(f"the alert's event does not read ({event.name}): {event.problem}")
    renderer = ALERT_RENDERERS.get(type(event))
    if renderer is None:
        return Skip(f"no alert for {type(event).__name__}")
    return renderer(ctx, delivery, event)


def _decision(ctx: Context, decision_id: int) -> Result:
    t = ctx.t
    notice = notices.decision_notice(ctx.uow, decision_id)
    if notice is None:
        return Skip("the decision is gone")
    lines = [
        t(
            "notifications.decision.action",
            id=notice.decision_id,
            action=t(f"moderation.action.{notice.action}"),
        ),
    ]
    if notice.reason:
        lines.append(t("decision.reason", reason=reason_text(t, notice.reason)))
    if notice.action is ModerationAction.SUSPEND:
        if notice.suspension_days:
            lines.append(t("notifications.decision.suspended_days", count=notice.suspension_days))
        else:
            lines.append(t("notifications.decision.suspended_permanently"))
    actions: tuple[Action, ...] = ()
    if notice.appealable:
        lines.append(t("notifications.decision.appeal"))
        actions = (
            Action(
                t("moderation.button.appeal", id=notice.decision_id),
                build("ap", notice.decision_id),
                ActionStyle.PRIMARY,
            ),
        )
    return Rendered(
        (
            Card(
                title=t(
                    "notifications.decision.title",
                    target=target_text(t, notice.target_type, notice.target_id),
                ),
                lines=tuple(lines),
                actions=actions,
                ref=f"decision:{notice.decision_id}",
            ),
        )
    )


# --- the moderators' chat ------------------------------------------------------


def _review(ctx: Context, delivery: DeliveryView, payload: ReviewCard) -> Result:
    state = notices.review_state(ctx.uow, payload.item_id)
    if isinstance(state, QueueEntry):
        return Rendered((review_card(ctx, state),))
    # Decided before its card could go: the moderators need no card.
    return Skip("decided before its card was sent")


def _edit(ctx: Context, delivery: DeliveryView, payload: CardEdit) -> Result:
    card = deliveries.get_delivery(ctx.uow, payload.of)
    if card.state in (DeliveryState.PENDING.value, DeliveryState.SENDING.value):
        return Defer(EDIT_WAIT_SECONDS, "the card to edit is not sent yet")
    if card.state != DeliveryState.SENT.value or not card.message_ref:
        return Skip("the card to edit was never sent")
    state = notices.review_state(ctx.uow, payload.item_id)
    if not isinstance(state, DecisionResult):
        return Skip("the item is open again")
    return Rendered((decided_card(ctx, state),), edit_ref=card.message_ref)


# --- the initiatives' channels -------------------------------------------------


def _live(ctx: Context, delivery: DeliveryView, payload: LiveCard) -> Result:
    """An initiative's card as anyone reads it, with its stage as a tag; an
    edit waits for its post, and a hidden or removed initiative's card says
    so instead of showing it."""
    edit_ref = None
    if payload.of is not None:
        post = deliveries.get_delivery(ctx.uow, payload.of)
        if post.state in (DeliveryState.PENDING.value, DeliveryState.SENDING.value):
            return Defer(EDIT_WAIT_SECONDS, "the post to edit is not sent yet")
        if post.state != DeliveryState.SENT.value or not post.message_ref:
            return Skip("the post to edit was never sent")
        edit_ref = post.message_ref
    try:
        view = initiatives.initiative_view(ctx.uow, payload.initiative_id, None)
    except PossiblesError:
        if edit_ref is None:
            return Skip("hidden or removed before its post went")
        gone = Card(lines=(ctx.t("live.unavailable", id=payload.initiative_id),))
        return Rendered((gone,), edit_ref=edit_ref, tags=(ctx.t(f"status.{Status.CLOSED.value}"),))
    stage = live_stage(view)
    return Rendered((initiative_card(ctx, view),), edit_ref=edit_ref, tags=(ctx.t(f"status.{stage}"),))


def _recall(ctx: Context, delivery: DeliveryView, payload: Recall) -> Result:
    t = ctx.t
    items = notices.open_items(ctx.uow, payload.items)
    if not items:
        return Skip("every recalled item was decided")
    lines = [
        t(
            "notifications.recall.line",
            id=item.item_id,
            cause=t(f"queue.cause.{item.cause}"),
            target=target_text(t, item.target_type, item.target_id),
            opened=item.opened_at,
        )
        for item in items
    ]
    lines.append(t("notifications.recall.hint"))
    actions = tuple(
        Action(f"#{item.item_id}", build("mi", item.item_id), row=n // _PER_ROW)
        for n, item in enumerate(items[:24])
    )
    return Rendered(
        (Card(title=t("notifications.recall.title", count=len(items)), lines=tuple(lines), actions=actions),)
    )


# --- officials ---------------------------------------------------------------


def _summary(ctx: Context, delivery: DeliveryView, payload: Summary) -> Result:
    waiting = officials.awaiting_my_response(ctx.uow, ctx.member.id)
    if not waiting:
        return Skip("nothing awaits the official's response any more")
    intro = Card(lines=(ctx.t("notifications.summary.intro", count=len(waiting)),))
    return Rendered((intro, *awaiting_reply(ctx).cards))


# --- digests -----------------------------------------------------------------


def _digest(ctx: Context, delivery: DeliveryView, payload: Digest) -> Result:
    t = ctx.t
    view = digests.digest_view(ctx.uow, payload.member_id, payload.period)
    if view is None:
        return Skip("nothing left to say in this digest")
    lines: list[str] = []
    shown: list[int] = []
    if view.news:
        lines.append(t("notifications.digest.news"))
        for entry in view.news:
            what = []
            if entry.supporters:
                what.append(t("notifications.digest.supporters", count=entry.supporters))
            if entry.posts:
                what.append(t("notifications.digest.posts", count=entry.posts))
            if entry.responses:
                what.append(t("notifications.digest.responses", count=entry.responses))
            if entry.counters:
                what.append(t("notifications.digest.counters", count=entry.counters))
            if entry.status:
                what.append(t("notifications.digest.status", status=t(f"status.{entry.status}")))
            lines.append(
                "• "
                + t(
                    "notifications.digest.item",
                    id=entry.initiative_id,
                    title=entry.title,
                    what=", ".join(what),
                )
            )
            shown.append(entry.initiative_id)
        if view.news_total > len(view.news):
            lines.append(t("notifications.digest.more", count=view.news_total - len(view.news)))
    if view.new:
        lines.append(t("notifications.digest.new"))
        for entry in view.new:
            lines.append("• " + t("notifications.digest.new_item", id=entry.initiative_id, title=entry.title))
            shown.append(entry.initiative_id)
        if view.new_total > len(view.new):
            lines.append(t("notifications.digest.more", count=view.new_total - len(view.new)))
    if view.trending is not None:
        trending = view.trending
        lines.append(
            t(
                "notifications.digest.trending",
                id=trending.initiative_id,
                title=trending.title,
                count=trending.supporters,
            )
        )
        shown.append(trending.initiative_id)
    actions = tuple(
        Action(f"#{initiative_id}", build("s", initiative_id), row=n // _PER_ROW)
        for n, initiative_id in enumerate(dict.fromkeys(shown))
    )
    card = Card(
        title=t("digest.title"),
        lines=tuple(lines),
        actions=actions,
        footer=t("notifications.digest.footer"),
        ref=f"digest:{view.period}",
    )
    return Rendered((card,))


#: How each kind of delivery reads (an alert, by its event: ``ALERT_RENDERERS``).
RENDERERS: dict[type[DeliveryPayload], Renderer] = {
    Alert: _alert,
    ReviewCard: _review,
    LiveCard: _live,
    CardEdit: _edit,
    Recall: _recall,
    Summary: _summary,
    Digest: _digest,
}
