"""What people write on an initiative's timeline: news posts (by its team)
and comments (by anyone who may act). Published at once, screened, and
reported afterwards if need be (moderation after publication)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from core.config import Settings
from core.domain.contributions import COMMENT_MAX, POST_MAX, Comment, Post
from core.domain.events import CommentPosted, PostPublished
from core.domain.initiatives import Initiative, Status, Visibility
from core.domain.limits import Limited, ensure_within_limit
from core.domain.members import Member
from core.domain.moderation import TargetType
from core.domain.supports import SupportKind
from core.domain.text import clean_text
from core.errors import Forbidden, InvalidState
from core.services import flows, screening
from core.services.initiatives import get_initiative
from core.services.limits import count_recent
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "COMMENT_FLOW",
    "POST_FLOW",
    "PostResult",
    "check_may_comment",
    "check_may_post",
    "comment",
    "is_team",
    "open_to_writing",
    "post_news",
    "validate_comment",
    "validate_post",
]

#: Names of the flows that ask for the text in a second message.
POST_FLOW = "post"
COMMENT_FLOW = "comment"

#: Nobody writes on an initiative that its author withdrew, that moderators
#: closed or that expired: the conversation is over. Achieved ones welcome news.
_CLOSED = (Status.WITHDRAWN, Status.CLOSED, Status.EXPIRED)


@dataclass(frozen=True)
class PostResult:
    post_id: int
    #: True when this post goes out to supporters (see PostPublished.notify).
    notify: bool
    flagged: bool


def validate_post(text: str) -> str:
    return clean_text(text, field="text", max_length=POST_MAX, multiline=True)


def validate_comment(text: str) -> str:
    return clean_text(text, field="text", max_length=COMMENT_MAX, multiline=True)


def _writable(
    uow: UnitOfWork, member_id: int, initiative_id: int, *, lock: bool = False
) -> tuple[Member, Initiative]:
    """Inside an open unit of work: the member may act and the initiative takes writing."""
    member = get_member(uow, member_id)
    member.ensure_may_act(uow.now())
    initiative = get_initiative(uow, initiative_id, for_update=lock)
    initiative.ensure_visible()
    if initiative.state in _CLOSED:
        raise InvalidState("error.contributions_initiative_closed", status=initiative.status)
    return member, initiative


def is_team(uow: UnitOfWork, member_id: int, initiative: Initiative) -> bool:
    """Inside an open unit of work: the author or a volunteer, who post its news."""
    if member_id == initiative.author_id:
        return True
    s = tables.supports.c
    kind = uow.session.scalar(
        select(s.kind).where(s.initiative_id == initiative.id, s.member_id == member_id)
    )
    return kind == SupportKind.VOLUNTEER


def open_to_writing(initiative: Initiative) -> bool:
    """Visible and neither withdrawn, closed nor expired."""
    return initiative.visibility == Visibility.VISIBLE and initiative.state not in _CLOSED


def _ensure_team(uow: UnitOfWork, member_id: int, initiative: Initiative) -> None:
    if not is_team(uow, member_id, initiative):
        raise Forbidden("error.contributions_not_team", id=initiative.id)


def check_may_post(uow: UnitOfWork, member_id: int, initiative_id: int) -> None:
    """Refuse early (before asking for the text) what post_news would refuse."""
    with uow:
        _member, initiative = _writable(uow, member_id, initiative_id)
        _ensure_team(uow, member_id, initiative)


def check_may_comment(uow: UnitOfWork, member_id: int, initiative_id: int) -> None:
    """Refuse early (before asking for the text) what comment would refuse."""
    with uow:
        _writable(uow, member_id, initiative_id)


def post_news(
    uow: UnitOfWork,
    member_id: int,
    initiative_id: int,
    text: str,
    settings: Settings,
    *,
    from_flow: str | None = None,
) -> PostResult:
    """Publish news on the timeline. Posting is allowed at any time; the post
    reaches supporters only if the previous notified one is at least
    ``news_interval_days`` old (CONSUL), so supporters are not flooded.
    With ``from_flow`` (the step of the post flow), the flow closes in the
    same transaction."""
    body = validate_post(text)
    with uow:
        now = uow.now()
        _member, initiative = _writable(uow, member_id, initiative_id, lock=True)
        _ensure_team(uow, member_id, initiative)
        done = count_recent(uow, tables.posts, "author_id", member_id, now - timedelta(days=1))
        ensure_within_limit(Limited.POSTS, done, settings.limits.posts_per_day)
        if from_flow is not None:
            flows.finish(uow, member_id, POST_FLOW, from_flow)
        notify = initiative.may_post_news(now, timedelta(days=settings.news_interval_days))
        if notify:
            initiative.last_news_at = now
        post = Post(initiative_id=initiative_id, author_id=member_id, body=body, created_at=now)
        uow.session.add(post)
        uow.session.flush()
        assert post.id is not None
        post.flagged = screening.screen(uow, TargetType.POST, post.id, body)
        uow.emit(
            PostPublished(initiative_id=initiative_id, post_id=post.id, author_id=member_id, notify=notify)
        )
        uow.commit()
        return PostResult(post_id=post.id, notify=notify, flagged=post.flagged)


def comment(
    uow: UnitOfWork,
    member_id: int,
    initiative_id: int,
    text: str,
    settings: Settings,
    *,
    from_flow: str | None = None,
) -> int:
    """Comment on an initiative (anyone who may act); returns the comment's id."""
    body = validate_comment(text)
    with uow:
        now = uow.now()
        _writable(uow, member_id, initiative_id)
        done = count_recent(uow, tables.comments, "author_id", member_id, now - timedelta(days=1))
        ensure_within_limit(Limited.COMMENTS, done, settings.limits.comments_per_day)
        if from_flow is not None:
            flows.finish(uow, member_id, COMMENT_FLOW, from_flow)
        item = Comment(initiative_id=initiative_id, author_id=member_id, body=body, created_at=now)
        uow.session.add(item)
        uow.session.flush()
        assert item.id is not None
        item.flagged = screening.screen(uow, TargetType.COMMENT, item.id, body)
        uow.emit(CommentPosted(initiative_id=initiative_id, comment_id=item.id, author_id=member_id))
        uow.commit()
        return item.id
