"""The schema. Alembic migrations are generated from this metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from core.domain.chats import ChatPurpose
from core.domain.initiatives import Status, Visibility
from core.domain.members import Role
from core.domain.moderation import ModerationAction, ReportReason, ReviewCause, TargetType
from core.domain.reputation import PointReason
from core.domain.responses import Position
from core.domain.supports import FollowTarget, SupportKind
from core.storage.types import EnumText, UTCDateTime

__all__ = ["metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger ids that stay INTEGER PRIMARY KEY (rowid) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


areas = Table(
    "areas",
    metadata,
    _id(),
    Column("code", String(20), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("level", String(20), nullable=False),
    Column("search_key", String(200), nullable=False, index=True),
    Column("path", String(200), nullable=False, index=True),
    Column("parent_id", Id, ForeignKey("areas.id"), nullable=True, index=True),
)

#: A commune's postal codes ("69001" is Lyon's): several per commune, and a
#: code may serve several communes.
area_postal_codes = Table(
    "area_postal_codes",
    metadata,
    Column("postal_code", String(10), primary_key=True),
    Column("area_id", Id, ForeignKey("areas.id"), primary_key=True, index=True),
)

members = Table(
    "members",
    metadata,
    _id(),
    Column("display_name", String(100), nullable=False),
    Column("language", String(5), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("home_area_id", Id, ForeignKey("areas.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("suspended_until", UTCDateTime(), nullable=True),
    Column("suspended_permanently", Boolean, nullable=False, default=False),
    Column("leaderboard_opt_out", Boolean, nullable=False, default=False),
    Column("digest_frequency", String(10), nullable=False, default="daily"),
    Column("digest_time", String(5), nullable=False, default="18:00"),
    Column("quiet_start", String(5), nullable=False, default="22:00"),
    Column("quiet_end", String(5), nullable=False, default="08:00"),
)

identities = Table(
    "identities",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("platform", String(20), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("language_code", String(16), nullable=True),
    Column("unreachable", Boolean, nullable=False, default=False),
    #: When /link brought this identity over from another member (None: it
    #: began with this member), and whether that member had a history of its
    #: own then (which /unlink cannot give back: core.services.linking).
    Column("linked_at", UTCDateTime(), nullable=True),
    Column("brought_history", Boolean, nullable=False, default=False),
    UniqueConstraint("platform", "external_id", name="uq_identities_platform_external_id"),
)

member_roles = Table(
    "member_roles",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("role", EnumText(Role, 20), nullable=False),
    UniqueConstraint("member_id", "role", name="uq_member_roles_member_role"),
)

mandates = Table(
    "mandates",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("area_id", Id, ForeignKey("areas.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("verified_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

invite_codes = Table(
    "invite_codes",
    metadata,
    _id(),
    Column("code", String(20), nullable=False, unique=True),
    Column("area_id", Id, ForeignKey("areas.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("redeemed_by", Id, ForeignKey("members.id"), nullable=True),
    Column("redeemed_at", UTCDateTime(), nullable=True),
)

initiatives = Table(
    "initiatives",
    metadata,
    _id(),
    Column("author_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("area_id", Id, ForeignKey("areas.id"), nullable=False, index=True),
    Column("topic", String(40), nullable=False, index=True),
    Column("goal", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("status", EnumText(Status, 20), nullable=False, index=True),
    Column("status_changed_at", UTCDateTime(), nullable=True),
    Column("goal_reached_at", UTCDateTime(), nullable=True),
    Column("counter_to_id", Id, ForeignKey("initiatives.id"), nullable=True, index=True),
    Column("visibility", EnumText(Visibility, 10), nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("search_key", Text, nullable=False),
    Column("last_news_at", UTCDateTime(), nullable=True),
)

#: Every status an initiative went through, in order: its public page's
#: history and its feed. Written in the transaction of each
#: InitiativeStatusChanged (core.storage.history), never edited; like the
#: outbox it records, it holds the event as told (no foreign key).
status_changes = Table(
    "status_changes",
    metadata,
    _id(),
    Column("initiative_id", Id, nullable=False, index=True),
    Column("old", EnumText(Status, 20), nullable=False),
    Column("new", EnumText(Status, 20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

supports = Table(
    "supports",
    metadata,
    _id(),
    Column("initiative_id", Id, ForeignKey("initiatives.id"), nullable=False),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("kind", EnumText(SupportKind, 12), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("initiative_id", "member_id", name="uq_supports_initiative_member"),
    Index("ix_supports_initiative_created", "initiative_id", "created_at"),
)

# Counts kept in the same transaction as the supports they count, so that
# listing and showing initiatives never aggregate supports (one row per
# initiative; volunteers are supporters too, the author included).
initiative_counts = Table(
    "initiative_counts",
    metadata,
    Column("initiative_id", Id, ForeignKey("initiatives.id"), primary_key=True),
    Column("supporters", Integer, nullable=False, default=0),
    Column("volunteers", Integer, nullable=False, default=0),
)

# Supports per initiative per day (UTC) that still stand, for trending.
support_days = Table(
    "support_days",
    metadata,
    Column("initiative_id", Id, ForeignKey("initiatives.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("supports", Integer, nullable=False, default=0),
    Index("ix_support_days_day", "day"),
)

follows = Table(
    "follows",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("target_type", EnumText(FollowTarget, 12), nullable=False),
    Column("target_key", String(40), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "target_type", "target_key", name="uq_follows_member_target"),
    Index("ix_follows_target", "target_type", "target_key"),
)

posts = Table(
    "posts",
    metadata,
    _id(),
    Column("initiative_id", Id, ForeignKey("initiatives.id"), nullable=False, index=True),
    Column("author_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("visibility", EnumText(Visibility, 10), nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("edited_at", UTCDateTime(), nullable=True),
)

comments = Table(
    "comments",
    metadata,
    _id(),
    Column("initiative_id", Id, ForeignKey("initiatives.id"), nullable=False, index=True),
    Column("author_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("visibility", EnumText(Visibility, 10), nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("edited_at", UTCDateTime(), nullable=True),
)

responses = Table(
    "responses",
    metadata,
    _id(),
    Column("initiative_id", Id, ForeignKey("initiatives.id"), nullable=False, index=True),
    Column("mandate_id", Id, ForeignKey("mandates.id"), nullable=False),
    Column("official_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("position", EnumText(Position, 20), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("visibility", EnumText(Visibility, 10), nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    UniqueConstraint("initiative_id", "mandate_id", name="uq_responses_initiative_mandate"),
)

response_revisions = Table(
    "response_revisions",
    metadata,
    _id(),
    Column("response_id", Id, ForeignKey("responses.id"), nullable=False, index=True),
    Column("position", EnumText(Position, 20), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

#: Former versions of posts and comments (public, like responses' revisions).
revisions = Table(
    "revisions",
    metadata,
    _id(),
    Column("target_type", EnumText(TargetType, 12), nullable=False),
    Column("target_id", Id, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_revisions_target", "target_type", "target_id"),
)

reports = Table(
    "reports",
    metadata,
    _id(),
    Column("target_type", EnumText(TargetType, 12), nullable=False),
    Column("target_id", Id, nullable=False),
    Column("reporter_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("reason", EnumText(ReportReason, 20), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("target_type", "target_id", "reporter_id", name="uq_reports_target_reporter"),
)

review_items = Table(
    "review_items",
    metadata,
    _id(),
    Column("target_type", EnumText(TargetType, 12), nullable=False),
    Column("target_id", Id, nullable=False),
    Column("cause", EnumText(ReviewCause, 12), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("decision_id", Id, ForeignKey("decisions.id"), nullable=True),
    Column("appeal_id", Id, ForeignKey("appeals.id"), nullable=True),
    Column("recalled_at", UTCDateTime(), nullable=True),
    Index("ix_review_items_target", "target_type", "target_id"),
    Index("ix_review_items_open", "closed_at"),
)

decisions = Table(
    "decisions",
    metadata,
    _id(),
    Column("target_type", EnumText(TargetType, 12), nullable=False),
    Column("target_id", Id, nullable=False),
    Column("moderator_id", Id, ForeignKey("members.id"), nullable=False),
    Column("action", EnumText(ModerationAction, 12), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    Column("target_author_id", Id, ForeignKey("members.id"), nullable=True),
    Column("suspension_days", Integer, nullable=True),
    Column("appeal_of_id", Id, ForeignKey("decisions.id"), nullable=True),
    #: The initiative's status before the removal that closed it (restored
    #: exactly when the removal is overturned).
    Column("prior_status", EnumText(Status, 20), nullable=True),
    Index("ix_decisions_target", "target_type", "target_id"),
)

appeals = Table(
    "appeals",
    metadata,
    _id(),
    Column("decision_id", Id, ForeignKey("decisions.id"), nullable=False, unique=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("outcome_decision_id", Id, ForeignKey("decisions.id"), nullable=True),
)

points = Table(
    "points",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("area_id", Id, ForeignKey("areas.id"), nullable=False),
    Column("reason", EnumText(PointReason, 24), nullable=False),
    Column("points", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    #: What the points are for ("i12", "i12/m7", "d3"): with the member and
    #: the reason, unique, so an act earns its points once.
    Column("ref", String(40), nullable=False, default=""),
    UniqueConstraint("member_id", "reason", "ref", name="uq_points_member_reason_ref"),
)

# Points summed per (area, period, member) as they are earned and taken back
# (core.services.leaderboards): an area's rows count its sub-areas too, area
# 0 is every area (national); a period is keyed by its first day in the
# deployment's time zone ("all": one period). The top of a board and a
# member's rank are read from the index, whatever the number of points.
leaderboard_points = Table(
    "leaderboard_points",
    metadata,
    Column("area_id", Id, primary_key=True, autoincrement=False),
    Column("period", String(5), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True, autoincrement=False),
    Column("points", Integer, nullable=False),
    #: False while the member opts out of the leaderboards.
    Column("listed", Boolean, nullable=False),
    Index("ix_leaderboard_points_member", "member_id"),
)
Index(
    "ix_leaderboard_points_rank",
    leaderboard_points.c.area_id,
    leaderboard_points.c.period,
    leaderboard_points.c.start,
    leaderboard_points.c.listed,
    leaderboard_points.c.points.desc(),
    leaderboard_points.c.member_id,
)

# Badges (core.services.badges): each level a member earned, once (the
# unique key); ``badge`` is a key of config/possibles.toml's [[badges]].
badges = Table(
    "badges",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("badge", String(32), nullable=False),
    Column("level", Integer, nullable=False),
    Column("earned_at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "badge", "level", name="uq_badges_member_badge_level"),
)

# What each badge measure of a member stands at, kept in the transaction of
# the fact that moves it (a points line written or taken back, a fact of
# ``badge_facts``): a level is checked against one row, whatever the history.
badge_progress = Table(
    "badge_progress",
    metadata,
    Column("member_id", Id, ForeignKey("members.id"), primary_key=True, autoincrement=False),
    Column("measure", String(24), primary_key=True),
    Column("value", Integer, nullable=False),
)

# Facts a badge counts that are not points lines (a counter-proposal that
# overtook the initiative it answered: ref "i<counter id>"), once each.
badge_facts = Table(
    "badge_facts",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("measure", String(24), nullable=False),
    Column("ref", String(40), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "measure", "ref", name="uq_badge_facts_member_measure_ref"),
)

# Members per rung of the participation ladder in each area (its sub-areas
# included), rebuilt nightly from the last 90 days (core.services.area_ladder).
area_ladder = Table(
    "area_ladder",
    metadata,
    Column("area_id", Id, primary_key=True, autoincrement=False),
    Column("rung", String(12), primary_key=True),
    Column("members", Integer, nullable=False),
    Column("counted_at", UTCDateTime(), nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, unique=True),
    Column("flow", String(20), nullable=False),
    Column("step", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    Column("name", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    CheckConstraint("length(name) > 0", name="name_not_empty"),
)

platform_chats = Table(
    "platform_chats",
    metadata,
    _id(),
    Column("platform", String(20), nullable=False),
    Column("purpose", EnumText(ChatPurpose, 20), nullable=False),
    Column("address", String(64), nullable=False),
    #: The initiatives' channel of an area: only initiatives inside it (None: all).
    Column("area_id", Id, ForeignKey("areas.id"), nullable=True),
    Column("set_by", Id, ForeignKey("members.id"), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform", "purpose", name="uq_platform_chats_platform_purpose"),
)

#: A hand-over from a group to the private chat (Telegram's deep link): the
#: link carries a random token minted for one member and one action, never the
#: action itself, so a link acts for nobody but the member who asked for it.
#: Only the token's digest is kept.
handover_tokens = Table(
    "handover_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    #: "command" (name + args typed in the group), "press" (a button's
    #: payload), or "download" (/mydata's one-time link, core.services.privacy).
    Column("kind", String(10), nullable=False),
    Column("action", String(64), nullable=False),
    Column("args", Text, nullable=False, default=""),
    #: What the member saw (the button's label), shown when asked to confirm.
    Column("label", String(100), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("used_at", UTCDateTime(), nullable=True),
)

#: One-time codes of /link (one person across platforms): a code typed on
#: another platform merges the two members. Only the code's digest is kept.
link_codes = Table(
    "link_codes",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("used_at", UTCDateTime(), nullable=True),
)

#: Wrong /link codes typed by a member: enough of them within the lock's
#: time lock /link for that member (a code is short; guessing must not pay).
link_failures = Table(
    "link_failures",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_link_failures_member_created", "member_id", "created_at"),
)

# --- notifications: the delivery ledger, the outbox cursors, digests ---------

deliveries = Table(
    "deliveries",
    metadata,
    _id(),
    #: One row per (recipient identity, event or digest period, kind): the
    #: unique key makes routing and digest building idempotent.
    Column("key", String(160), nullable=False, unique=True),
    Column("platform", String(20), nullable=False),
    #: The chat on that platform (a user's chat id, or a group's).
    Column("address", String(64), nullable=False),
    Column("is_group", Boolean, nullable=False, default=False),
    #: The recipient (language, quiet hours); None for a group chat.
    Column("member_id", Id, ForeignKey("members.id"), nullable=True, index=True),
    Column("kind", String(12), nullable=False),
    #: What it is about ("review:7", "i42", "digest"): edits find the cards to edit by it.
    Column("topic", String(40), nullable=False, index=True),
    #: References to render at send time (event payload, digest period, review item).
    Column("payload", JSON, nullable=False),
    Column("language", String(5), nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    #: Retries after an unknown outcome (the platform may have the message).
    Column("uncertain", Integer, nullable=False, default=0),
    Column("not_before", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    #: When a sender claimed it (state "sending"): a lease, reclaimed after a crash.
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    #: The platform's message id once sent (to edit the moderators' card).
    Column("message_ref", String(64), nullable=True),
    Index("ix_deliveries_due", "platform", "state", "not_before"),
)

outbox_cursors = Table(
    "outbox_cursors",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("position", Id, nullable=False),
)

digests = Table(
    "digests",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    #: "d2026-11-25" (daily) or "w2026-W48" (weekly), in the member's time.
    Column("period", String(12), nullable=False),
    Column("built_at", UTCDateTime(), nullable=False),
    Column("items", JSON, nullable=False),
    UniqueConstraint("member_id", "period", name="uq_digests_member_period"),
)

#: Tables that live in the database but not in this metadata (APScheduler's
#: job store creates its own): migrations and their check leave them alone.
EXTERNAL_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's ``include_object`` hook: skip the external tables."""
    if type_ == "table":
        return name not in EXTERNAL_TABLES
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) not in EXTERNAL_TABLES


#: Platform updates already handled (Telegram's update_id), so one delivered
#: again after a crash or a webhook retry is skipped; pruned after a few days.
processed_updates = Table(
    "processed_updates",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("processed_at", UTCDateTime(), nullable=False, index=True),
)

#: Roles a platform's own role gave (core.services.platform_roles): the Discord
#: moderator role's holders are moderators while they hold it. A role given by
#: an admin has no row here and is never taken back with the platform's.
platform_role_grants = Table(
    "platform_role_grants",
    metadata,
    _id(),
    Column("member_id", Id, ForeignKey("members.id"), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("role", EnumText(Role, 20), nullable=False),
    Column("granted_at", UTCDateTime(), nullable=False),
    UniqueConstraint("member_id", "platform", "role", name="uq_platform_role_grants_member_platform_role"),
)
