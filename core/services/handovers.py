"""Hand-over tokens: going on in the private chat with what was begun in a group.

A private step asked for in a group (a command such as /report typed there, a
button whose answer waits for typing) cannot go on where everyone reads. The
front end gives the member a link to the private chat (Telegram: a deep link
``t.me/<bot>?start=<token>``). The link carries a token minted here for that
member and that action — random, single-use, expiring — never the action
itself: anyone may post a link, and a link must act for nobody but the member
who asked for it. The token is refused for anyone else, and redeeming it only
shows the action again for the member to confirm (see
core.presentation.handlers.chats).

Only a digest of the token is stored: the database alone cannot open a link.

A bearer token (``BEARER``: /mydata's one-time download link, see
core.services.privacy) is the same kind of row, minted for its member, but
whoever holds it may use it once: a web page has no member to check it
against. Each kind is redeemed only its own way: a chat's /start refuses a
bearer token, and ``use_up_bearer`` a hand-over.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update

from core.errors import Forbidden, InvalidState, NotFound
from core.storage import tables
from core.storage.uow import UnitOfWork

__all__ = [
    "BEARER",
    "TTL",
    "Handover",
    "HandoverKind",
    "TokenState",
    "bearer_state",
    "check",
    "digest",
    "mint",
    "redeem",
    "use_up",
    "use_up_bearer",
]

#: How long a hand-over link works: the time to open the private chat.
TTL = timedelta(minutes=10)
#: Expired tokens are deleted after this (they are only kept to say "expired").
KEEP = timedelta(days=1)
#: Random bytes of a token: 16 give 22 URL-safe characters (Telegram's start
#: parameter allows 64 of ``A-Za-z0-9_-``).
TOKEN_BYTES = 16
MAX_LABEL = 100
MAX_ACTION = 64


class HandoverKind(StrEnum):
    COMMAND = "command"  # a command typed in the group: its name and arguments
    PRESS = "press"  # a button pressed in the group: its payload
    DOWNLOAD = "download"  # /mydata's file, downloaded once from the web pages


#: Kinds whose token works for whoever holds it (``use_up_bearer``), never
#: through a chat's hand-over (``check``, ``redeem``, ``use_up``).
BEARER = frozenset({HandoverKind.DOWNLOAD})


class TokenState(StrEnum):
    """What a bearer token is now (``bearer_state``)."""

    LIVE = "live"  # usable
    SPENT = "spent"  # used, or expired
    UNKNOWN = "unknown"  # never minted (or erased with its member), or of another kind


@dataclass(frozen=True)
class Handover:
    """What was begun in the group, to go on with in private."""

    kind: HandoverKind
    #: The command's name, or the button's payload.
    action: str
    args: str = ""
    #: What the member saw (the button's label), to remind them when confirming.
    label: str | None = None


def digest(token: str) -> str:
    """What is stored of a one-time secret (a token, a /link code): its SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def mint(uow: UnitOfWork, member_id: int, handover: Handover, ttl: timedelta = TTL) -> str:
    """A new token for ``member_id`` and ``handover``; only its digest is stored."""
    if not handover.action or len(handover.action) > MAX_ACTION:
        raise ValueError(f"not an action to hand over: {handover.action!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    label = handover.label[:MAX_LABEL] if handover.label else None
    with uow:
        now = uow.now()
        c = tables.handover_tokens.c
        uow.session.execute(delete(tables.handover_tokens).where(c.expires_at < now - KEEP))
        uow.session.execute(
            tables.handover_tokens.insert().values(
                digest=digest(token),
                member_id=member_id,
                kind=handover.kind.value,
                action=handover.action,
                args=handover.args,
                label=label,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        uow.commit()
    return token


def _usable(uow: UnitOfWork, member_id: int, token: str) -> Handover:
    """The hand-over behind ``token`` if ``member_id`` may use it now; raises otherwise.

    Someone else's token is Forbidden and stays usable by its member; an
    unknown, used or expired one is one error, which tells nothing about which.
    """
    c = tables.handover_tokens.c
    row = uow.session.execute(
        select(c.member_id, c.kind, c.action, c.args, c.label, c.expires_at, c.used_at).where(
            c.digest == digest(token)
        )
    ).first()
    if row is None or HandoverKind(row.kind) in BEARER:
        raise InvalidState("error.handover_expired")
    if row.member_id != member_id:
        raise Forbidden("error.handover_not_yours")
    if row.used_at is not None or row.expires_at <= uow.now():
        raise InvalidState("error.handover_expired")
    return Handover(HandoverKind(row.kind), row.action, row.args, row.label)


def check(uow: UnitOfWork, member_id: int, token: str) -> Handover:
    """What ``token`` hands over to ``member_id``, without using it up."""
    with uow:
        return _usable(uow, member_id, token)


def redeem(uow: UnitOfWork, member_id: int, token: str) -> Handover:
    """Use ``token`` up and return what it hands over: it works once, for its member.

    Two presses at once cannot both redeem it: the update only succeeds while
    the token is still unused.
    """
    with uow:
        handover = use_up(uow, member_id, token)
        uow.commit()
    return handover


def use_up(uow: UnitOfWork, member_id: int, token: str) -> Handover:
    """Inside an open unit of work: ``redeem``, for a use case that does
    what the token allows in the same transaction (the token stays unused
    if that fails)."""
    handover = _usable(uow, member_id, token)
    if not _spend(uow, token):
        raise InvalidState("error.handover_expired")
    return handover


def _spend(uow: UnitOfWork, token: str) -> bool:
    """Mark ``token`` used; False when another use came first (the update
    only passes while it is unused, so two uses at once cannot both win)."""
    c = tables.handover_tokens.c
    result = uow.session.execute(
        update(tables.handover_tokens)
        .where(c.digest == digest(token), c.used_at.is_(None))
        .values(used_at=uow.now())
    )
    return getattr(result, "rowcount", 0) == 1


def _bearer_row(uow: UnitOfWork, token: str, kind: HandoverKind) -> tuple[TokenState, int | None]:
    c = tables.handover_tokens.c
    row = uow.session.execute(
        select(c.member_id, c.kind, c.expires_at, c.used_at).where(c.digest == digest(token))
    ).first()
    if row is None or row.kind != kind.value:
        return TokenState.UNKNOWN, None
    if row.used_at is not None or row.expires_at <= uow.now():
        return TokenState.SPENT, None
    return TokenState.LIVE, int(row.member_id)


def bearer_state(uow: UnitOfWork, token: str, kind: HandoverKind) -> TokenState:
    """Whether the bearer token ``token`` of ``kind`` may be used now, without using it."""
    with uow.transaction(writes=False):
        return _bearer_row(uow, token, kind)[0]


def use_up_bearer(uow: UnitOfWork, token: str, kind: HandoverKind) -> int:
    """Inside an open unit of work: use the bearer token ``token`` of
    ``kind`` up, and return the member it was minted for. NotFound
    (``error.token_unknown``) for a token never minted or of another kind;
    InvalidState (``error.token_spent``) for one used or expired, or used
    by another use at the same time."""
    if kind not in BEARER:
        raise ValueError(f"not a bearer kind: {kind}")
    state, member_id = _bearer_row(uow, token, kind)
    if state is TokenState.UNKNOWN:
        raise NotFound("error.token_unknown")
    if state is TokenState.SPENT or member_id is None or not _spend(uow, token):
        raise InvalidState("error.token_spent")
    return member_id
