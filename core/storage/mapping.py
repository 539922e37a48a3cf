"""Classical (imperative) mapping: the domain classes stay plain dataclasses
and know nothing of SQLAlchemy (cosmicpython, chapter 2)."""

from __future__ import annotations

from sqlalchemy.orm import registry

from core.domain.areas import Area
from core.domain.contributions import Comment, Post, Revision
from core.domain.flows import Conversation
from core.domain.initiatives import Initiative
from core.domain.invites import InviteCode
from core.domain.members import LinkedIdentity, Mandate, Member
from core.domain.moderation import Appeal, Decision, Report, ReviewItem
from core.domain.reputation import PointEntry
from core.domain.responses import Response, ResponseRevision
from core.domain.supports import Follow, Support
from core.storage import tables

__all__ = ["map_domain"]

mapper_registry = registry(metadata=tables.metadata)
_mapped = False


def map_domain() -> None:
    """Map every domain class to its table, once per process."""
    global _mapped
    if _mapped:
        return
    pairs = [
        (Area, tables.areas),
        (Member, tables.members),
        (LinkedIdentity, tables.identities),
        (Mandate, tables.mandates),
        (InviteCode, tables.invite_codes),
        (Initiative, tables.initiatives),
        (Support, tables.supports),
        (Follow, tables.follows),
        (Post, tables.posts),
        (Comment, tables.comments),
        (Revision, tables.revisions),
        (Response, tables.responses),
        (ResponseRevision, tables.response_revisions),
        (Report, tables.reports),
        (ReviewItem, tables.review_items),
        (Decision, tables.decisions),
        (Appeal, tables.appeals),
        (PointEntry, tables.points),
        (Conversation, tables.conversations),
    ]
    for cls, table in pairs:
        mapper_registry.map_imperatively(cls, table)
    _mapped = True
