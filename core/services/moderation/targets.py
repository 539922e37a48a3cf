"""What can be reported: one small adapter over five kinds of rows
(initiatives, posts, comments, official responses, members)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from core.domain.contributions import Comment, Post
from core.domain.initiatives import Initiative, Visibility
from core.domain.members import Member
from core.domain.moderation import (
    TargetType,
    parse_target_type,
)
from core.domain.responses import Response
from core.errors import InvalidInput, NotFound
from core.services.areas import national_area
from core.storage.uow import UnitOfWork

__all__ = ["EXCERPT_MAX", "Content", "Target", "TargetSummary", "load_target"]

EXCERPT_MAX = 240


Content = Initiative | Post | Comment | Response
_CONTENT_CLASSES: dict[TargetType, type[Content]] = {
    TargetType.INITIATIVE: Initiative,
    TargetType.POST: Post,
    TargetType.COMMENT: Comment,
    TargetType.RESPONSE: Response,
}


@dataclass
class Target:
    """A reportable thing: an initiative, post, comment, official response or member."""

    type: TargetType
    id: int
    obj: Content | Member

    @property
    def is_member(self) -> bool:
        return isinstance(self.obj, Member)

    @property
    def author_id(self) -> int:
        obj = self.obj
        if isinstance(obj, Member):
            assert obj.id is not None
            return obj.id
        if isinstance(obj, Response):
            return obj.official_id
        return obj.author_id

    @property
    def visibility(self) -> Visibility | None:
        """None for members: they have no visibility."""
        return None if isinstance(self.obj, Member) else self.obj.visibility

    def set_visibility(self, visibility: Visibility) -> None:
        if isinstance(self.obj, Member):
            raise InvalidInput("error.moderation_member_action")
        if self.obj.visibility == Visibility.DELETED:
            return  # its author deleted it: whatever is decided, it stays gone
        self.obj.visibility = visibility

    def clear_flag(self) -> None:
        """The word-list flag is answered by any decision."""
        if not isinstance(self.obj, Member):
            self.obj.flagged = False

    @property
    def excerpt(self) -> str:
        """The reported text, shortened; a member's name for a member (a
        former member's is FORGOTTEN_NAME: the presentation names them,
        core.presentation.handlers.moderation.excerpt_text)."""
        obj = self.obj
        if isinstance(obj, Member):
            text = obj.display_name
        elif isinstance(obj, Initiative):
            text = f"{obj.title} — {obj.description}"
        else:
            text = obj.body
        text = " ".join(text.split())
        return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1].rstrip() + "…"

    def area_id(self, uow: UnitOfWork) -> int:
        """Where points earned or lost about this target are counted."""
        obj = self.obj
        if isinstance(obj, Initiative):
            return obj.area_id
        if isinstance(obj, Member):
            if obj.home_area_id is not None:
                return obj.home_area_id
            national = national_area(uow).id
            assert national is not None
            return national
        initiative = uow.session.get(Initiative, obj.initiative_id)
        assert initiative is not None
        return initiative.area_id


def load_target(
    uow: UnitOfWork, target_type: str, target_id: int, *, removed_ok: bool = False, for_update: bool = False
) -> Target:
    """Inside an open unit of work. Removed content is not found unless
    ``removed_ok`` (moderators deciding an appeal against a removal)."""
    kind = parse_target_type(target_type)
    cls: type[Content | Member] = Member if kind is TargetType.MEMBER else _CONTENT_CLASSES[kind]
    obj = cast(Content | Member | None, uow.session.get(cls, target_id, with_for_update=for_update))
    target = Target(kind, target_id, obj) if obj is not None else None
    gone = () if removed_ok else (Visibility.REMOVED, Visibility.DELETED)
    if target is None or target.visibility in gone:
        raise NotFound(f"error.moderation_{kind.value}_not_found", id=target_id)
    return target


@dataclass(frozen=True)
class TargetSummary:
    """What a reporter is shown before choosing a reason."""

    target_type: TargetType
    target_id: int
    excerpt: str
