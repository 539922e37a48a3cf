"""Authors changing what they wrote: an initiative's title and description
until someone else joins it, posts and comments at any time (each former
version kept in public), and deleting a comment (a tombstone stays).

Editing is screened by the word lists like publishing, is refused for hidden
or removed content, and counts towards no daily limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from core.domain.contributions import Comment, Post, Revision, Writing
from core.domain.events import CommentDeleted, CommentEdited, InitiativeEdited, PostEdited
from core.domain.initiatives import Visibility, initiative_description, initiative_title
from core.domain.moderation import ReviewCause, TargetType
from core.errors import InvalidState, NotFound
from core.services import flows, screening
from core.services.contributions import validate_comment, validate_post
from core.services.initiatives import ensure_readable, get_initiative, other_supporters
from core.services.members import get_member
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "EDIT_COMMENT_FLOW",
    "EDIT_INITIATIVE_FLOW",
    "EDIT_POST_FLOW",
    "History",
    "check_may_change",
    "check_may_edit_initiative",
    "delete_comment",
    "edit_comment",
    "edit_initiative",
    "edit_post",
    "history",
    "other_supporters",
]

#: Flows asking for the new text in the next messages.
EDIT_INITIATIVE_FLOW = "edit"
EDIT_POST_FLOW = "edit_post"
EDIT_COMMENT_FLOW = "edit_comment"

_KINDS: dict[TargetType, type[Writing]] = {TargetType.POST: Post, TargetType.COMMENT: Comment}


def check_may_edit_initiative(uow: UnitOfWork, member_id: int, initiative_id: int) -> tuple[str, str]:
    """Refuse early (before asking for the text) what ``edit_initiative``
    would refuse; returns the current title and description."""
    with uow:
        get_member(uow, member_id).ensure_may_act(uow.now())
        initiative = get_initiative(uow, initiative_id)
        initiative.ensure_editable_by(member_id, other_supporters(uow, initiative))
        return initiative.title, initiative.description


def edit_initiative(
    uow: UnitOfWork,
    member_id: int,
    initiative_id: int,
    title: str,
    description: str,
    *,
    from_flow: str | None = None,
) -> None:
    """Its author changes the title and description, as long as nobody else
    has joined it. With ``from_flow`` (the step of the edit flow), the flow
    closes in the same transaction."""
    title = initiative_title(title)
    description = initiative_description(description)
    with uow:
        get_member(uow, member_id).ensure_may_act(uow.now())
        initiative = get_initiative(uow, initiative_id, for_update=True)
        initiative.revise(member_id, title, description, other_supporters(uow, initiative))
        if from_flow is not None:
            flows.finish(uow, member_id, EDIT_INITIATIVE_FLOW, from_flow)
        flagged = screening.screen(uow, TargetType.INITIATIVE, initiative_id, title, description)
        initiative.flagged = flagged or initiative.flagged
        uow.emit(InitiativeEdited(initiative_id=initiative_id, author_id=member_id))
        uow.commit()


def _load(uow: UnitOfWork, target_type: TargetType, target_id: int, *, lock: bool = False) -> Writing:
    """Inside an open unit of work: the post or comment, on an initiative
    that is not removed."""
    found = uow.session.get(_KINDS[target_type], target_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"error.moderation_{target_type.value}_not_found", id=target_id)
    get_initiative(uow, found.initiative_id)
    return found


def check_may_change(uow: UnitOfWork, member_id: int, target_type: TargetType, target_id: int) -> int:
    """Refuse early what editing or deleting would refuse; returns the
    initiative's id."""
    with uow:
        get_member(uow, member_id).ensure_may_act(uow.now())
        found = _load(uow, target_type, target_id)
        found.ensure_changeable_by(member_id)
        return found.initiative_id


def _edit(
    uow: UnitOfWork,
    member_id: int,
    target_type: TargetType,
    target_id: int,
    body: str,
    from_flow: str | None,
) -> int:
    with uow:
        now = uow.now()
        get_member(uow, member_id).ensure_may_act(now)
        found = _load(uow, target_type, target_id, lock=True)
        former = found.revise(member_id, body, now)
        if from_flow is not None:
            flow = EDIT_POST_FLOW if target_type is TargetType.POST else EDIT_COMMENT_FLOW
            flows.finish(uow, member_id, flow, from_flow)
        uow.session.add(former)
        found.flagged = screening.screen(uow, target_type, target_id, body) or found.flagged
        event = (
            PostEdited(initiative_id=found.initiative_id, post_id=target_id, author_id=member_id)
            if target_type is TargetType.POST
            else CommentEdited(initiative_id=found.initiative_id, comment_id=target_id, author_id=member_id)
        )
        uow.emit(event)
        uow.commit()
        return found.initiative_id


def edit_post(
    uow: UnitOfWork, member_id: int, post_id: int, text: str, *, from_flow: str | None = None
) -> int:
    """Its author edits a news post; returns the initiative's id."""
    return _edit(uow, member_id, TargetType.POST, post_id, validate_post(text), from_flow)


def edit_comment(
    uow: UnitOfWork, member_id: int, comment_id: int, text: str, *, from_flow: str | None = None
) -> int:
    """Its author edits a comment; returns the initiative's id."""
    return _edit(uow, member_id, TargetType.COMMENT, comment_id, validate_comment(text), from_flow)


def delete_comment(uow: UnitOfWork, member_id: int, comment_id: int) -> int:
    """Its author deletes a comment: a tombstone stays on the timeline; the
    text and its former versions are gone, and the reports waiting on it are
    closed (there is nothing left to review). Returns the initiative's id."""
    with uow:
        now = uow.now()
        get_member(uow, member_id).ensure_may_act(now)
        found = _load(uow, TargetType.COMMENT, comment_id, lock=True)
        assert isinstance(found, Comment)
        found.delete(member_id, now)
        rv = tables.revisions.c
        uow.session.execute(
            delete(tables.revisions).where(rv.target_type == TargetType.COMMENT, rv.target_id == comment_id)
        )
        ri = tables.review_items.c
        uow.session.execute(
            update(tables.review_items)
            .where(
                ri.target_type == TargetType.COMMENT,
                ri.target_id == comment_id,
                ri.cause != ReviewCause.APPEAL,
                ri.closed_at.is_(None),
            )
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        found.flagged = False
        uow.emit(
            CommentDeleted(initiative_id=found.initiative_id, comment_id=comment_id, author_id=member_id)
        )
        uow.commit()
        return found.initiative_id


@dataclass(frozen=True)
class History:
    """A post's or comment's versions, newest first (the current one first)."""

    target_type: str
    target_id: int
    initiative_id: int
    author_name: str
    versions: tuple[tuple[datetime, str], ...]


def history(uow: UnitOfWork, target_type: TargetType, target_id: int, viewer_id: int | None) -> History:
    """Public, like officials' responses: anyone who may read the initiative
    sees every version of visible content; hidden, removed or deleted
    content shows none."""
    with uow:
        found = _load(uow, target_type, target_id)
        initiative = get_initiative(uow, found.initiative_id)
        ensure_readable(uow, initiative, viewer_id)
        if found.visibility == Visibility.DELETED:
            raise InvalidState("error.comment_deleted", id=target_id)
        if found.visibility != Visibility.VISIBLE:
            raise InvalidState("error.content_hidden")
        rv = tables.revisions.c
        former = uow.session.scalars(
            select(Revision)
            .where(rv.target_type == target_type, rv.target_id == target_id)
            .order_by(rv.created_at.desc(), rv.id.desc())
        ).all()
        author = get_member(uow, found.author_id)
        versions = ((found.version_at, found.body), *((r.created_at, r.body) for r in former))
        return History(target_type.value, target_id, found.initiative_id, author.display_name, versions)
