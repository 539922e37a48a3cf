"""Every button the bot can produce fits Telegram's 64 bytes of callback_data.

Two ways round: every registered button verb with its worst-case arguments
(the largest ids a person can type, the last pages, the longest search), and
the card builders fed worst-case content, whose buttons are read back. A new
verb fails here until its worst case is written down.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from bots.telegram.render import keyboard
from core.config import Settings
from core.domain.members import Identity
from core.domain.moderation import ModerationAction, ReportReason, TargetType
from core.errors import StaleAction
from core.presentation.cards import Card
from core.presentation.commands import default_catalog
from core.presentation.context import Context, Speaker
from core.presentation.handlers import follows as follows_handlers
from core.presentation.handlers import moderation as moderation_handlers
from core.presentation.handlers.browse import NO_ARG
from core.presentation.handlers.chats import TOKEN_MAX, TOKEN_PREFIX
from core.presentation.handlers.initiatives import initiative_card
from core.presentation.handlers.officials import _POSITIONS
from core.presentation.handlers.timeline import timeline_card
from core.presentation.i18n import Translator
from core.presentation.payloads import MAX_PAYLOAD_BYTES, build, parse
from core.services import browse, handovers, members
from core.services.browse import Listing
from core.services.initiatives import InitiativeView
from core.services.members import MemberView
from core.services.moderation import QueueEntry
from core.services.standing import Period
from core.services.timeline import TimelineEntry, TimelinePage

#: The largest id a person can type (common.id_argument takes 18 digits); far
#: beyond any real table, and as long as a 64-bit id gets in practice.
BIG = 10**18 - 1
LAST_PAGE = browse.MAX_PAGE
SETTINGS = Settings()
LONGEST_TOPIC = max(SETTINGS.topics, key=len)
#: The longest search that still pages: WORDS_MAX bytes once folded, mostly in
#: a two-byte script that folding keeps.
LONGEST_WORDS = "+".join(browse.search_words("жжжж жжжи жжжк жжжл жab"))
LETTERS = list(moderation_handlers.TARGET_LETTERS)
#: A hand-over token as minted (its length is fixed by the random bytes it holds).
TOKEN = secrets.token_urlsafe(handovers.TOKEN_BYTES)

#: Every verb, with the worst arguments its buttons carry.
WORST: dict[str, list[tuple[object, ...]]] = {
    "s": [(BIG,)],
    "j": [(BIG,)],
    "v": [(BIG,)],
    "w": [(BIG,)],
    "wi": [(BIG,)],
    "c": [(BIG,)],
    "sh": [(BIG,)],
    "np": [()],
    "pa": [(BIG,)],
    "pt": [(len(SETTINGS.topics) - 1,)],
    "pc": [()],
    "px": [()],
    "hp": [()],
    "hc": [("x" * len(TOKEN),)],
    # /forget's confirmation carries a token minted like a hand-over's.
    "fg": [("x" * len(TOKEN),)],
    "lg": [("fr",), ("en",)],
    "fo": [("i", BIG), ("a", BIG, "l"), ("t", LONGEST_TOPIC, "l")],
    "uf": [("i", BIG), ("a", BIG, "l"), ("t", LONGEST_TOPIC, "l")],
    "dg": [("f", f) for f in members.DIGEST_FREQUENCIES] + [("t", "2359")],
    "tl": [(BIG, LAST_PAGE, "e")],
    "tn": [(BIG,)],
    "tc": [(BIG,)],
    "ei": [(BIG,)],
    "ek": [()],
    "ee": [("p", BIG), ("c", BIG)],
    "dc": [(BIG,)],
    "dcy": [(BIG,)],
    "hv": [("p", BIG), ("c", BIG)],
    "r": [(letter, BIG) for letter in LETTERS],
    "rr": [(reason.value,) for reason in ReportReason],
    "rn": [()],
    "md": [(BIG, action.value) for action in ModerationAction]
    + [(BIG, "suspend", max(SETTINGS.moderation.suspension_days)), (BIG, "suspend", 0)],
    "mi": [(BIG,)],
    "mq": [(LAST_PAGE,)],
    "ml": [(LAST_PAGE,)],
    "ap": [(BIG,)],
    "pg": [(listing.value, NO_ARG, LAST_PAGE) for listing in Listing]
    + [("topic", LONGEST_TOPIC, LAST_PAGE), ("words", LONGEST_WORDS, LAST_PAGE)],
    "tp": [(period.value, BIG) for period in Period],
    "lb": [(0,), (1,)],
    "pf": [(BIG,)],
    "mx": [("d",), ("q",)],
    "bg": [()],
    "ha": [(BIG,)],
    "or": [(BIG,)],
    "oa": [()],
    "op": [(len(_POSITIONS) - 1,)],
    "oc": [()],
    "ov": [(BIG,)],
    "oo": [(BIG,)],
    "qh": [("2359", "2359"), ("off",)],
}


def test_every_verb_has_its_worst_case_written_down() -> None:
    missing = set(default_catalog().presses) - set(WORST)
    assert not missing, f"add the worst-case arguments of {sorted(missing)} to WORST"


@pytest.mark.parametrize("verb", sorted(WORST))
def test_worst_case_payloads_fit_64_bytes_and_parse_back(verb: str) -> None:
    for args in WORST[verb]:
        payload = build(verb, *args)  # build itself refuses more than 64 bytes
        assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
        assert parse(payload) == (verb, [str(a) for a in args])


def test_the_longest_search_is_as_long_as_a_search_may_be() -> None:
    assert len(LONGEST_WORDS.encode()) == browse.WORDS_MAX
    assert len(build("pg", "words", LONGEST_WORDS, LAST_PAGE).encode()) <= MAX_PAYLOAD_BYTES


def test_build_refuses_more_than_64_bytes_and_parse_refuses_them_too() -> None:
    fits = build("s", "x" * (MAX_PAYLOAD_BYTES - len("v1:s:")))
    assert len(fits.encode()) == MAX_PAYLOAD_BYTES
    with pytest.raises(ValueError, match="64 bytes"):
        build("s", "x" * (MAX_PAYLOAD_BYTES - len("v1:s:") + 1))
    with pytest.raises(ValueError, match="64 bytes"):
        build("s", "é" * 30)  # 60 bytes of text, 30 characters: bytes are what count
    with pytest.raises(StaleAction):
        parse("v1:s:" + "1" * 60)


# --- the card builders, fed the worst content ---------------------------------


def context(roles: frozenset[str] = frozenset({"admin"})) -> Context:
    member = MemberView(BIG, "Ada", "en", "Europe/Paris", roles, BIG, False)
    return Context(
        speaker=Speaker(Identity("telegram", str(BIG)), "Ada"),
        member=member,
        settings=SETTINGS,
        uow_factory=lambda: pytest.fail("no database in this test"),  # type: ignore[arg-type,return-value]
        t=Translator("en"),
    )


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def initiative_views() -> list[InitiativeView]:
    base = dict(
        id=BIG,
        title="T" * 120,
        description="D" * 2000,
        area_id=BIG,
        area_name="Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson",
        area_level="commune",
        topic=LONGEST_TOPIC,
        status="open",
        visibility="visible",
        goal=10_000,
        supporters=9_999,
        volunteers=99,
        author_id=BIG,
        author_name="A" * 100,
        created_at=NOW,
        expires_at=NOW,
        awaiting_response_days=3,
        counter_to=(BIG, "C" * 120),
        counters=((BIG, "K" * 120),),
        responses=3,
        viewer_support=None,
        viewer_follows=False,
        viewer_is_author=False,
        viewer_is_official_here=True,
    )
    return [
        InitiativeView(**base),  # type: ignore[arg-type]
        InitiativeView(**{**base, "viewer_support": "supporter", "viewer_follows": True}),  # type: ignore[arg-type]
        InitiativeView(**{**base, "viewer_support": "volunteer"}),  # type: ignore[arg-type]
    ]


def review_entries() -> list[QueueEntry]:
    return [
        QueueEntry(
            item_id=BIG,
            cause=cause,
            opened_at=NOW,
            target_type=TargetType.INITIATIVE.value,
            target_id=BIG,
            excerpt="E" * 200,
            visibility="hidden",
            author_id=BIG,
            author_name="A" * 100,
            reports=3,
            reasons=tuple((r.value, 1) for r in ReportReason),
            notes=("N" * 500,),
            actions=tuple(a.value for a in ModerationAction),
            appeal_text="P" * 500,
            appealed_decision_id=BIG,
            appealed_action="remove",
            appealed_reason="spam",
        )
        for cause in ("reports", "appeal")
    ]


def built_cards() -> list[Card]:
    ctx = context()
    cards = [initiative_card(ctx, view) for view in initiative_views()]
    for entry in review_entries():
        cards.append(moderation_handlers.review_card(ctx, entry))
        cards.append(moderation_handlers._durations_card(ctx, entry))
    entries = tuple(
        TimelineEntry(kind=kind, at=NOW, ref_id=BIG, text="x", author="A")
        for kind in ("post", "comment", "response")
    )
    cards.append(
        timeline_card(
            ctx,
            TimelinePage(BIG, "T" * 120, entries, LAST_PAGE - 1, True, BIG, 5, True, True),
        )
    )
    for frequency in members.DIGEST_FREQUENCIES:
        cards.append(follows_handlers._digest_card(ctx, frequency, "18:00"))
    return cards


def test_the_buttons_of_worst_case_cards_fit_and_use_known_verbs() -> None:
    cards = built_cards()
    payloads = [a.payload for card in cards for a in card.actions if a.payload]
    assert len(payloads) > 40
    for payload in payloads:
        assert len(payload.encode()) <= MAX_PAYLOAD_BYTES, payload
        verb, _ = parse(payload)
        assert verb in WORST
    # The very same strings go out as Telegram callback_data.
    for card in cards:
        markup = keyboard([card])
        assert markup is not None
        for row in markup.inline_keyboard:
            for button in row:
                assert button.url or len((button.callback_data or "").encode()) <= MAX_PAYLOAD_BYTES  # type: ignore[arg-type]


def test_deep_link_tokens_fit_telegram_start_parameters() -> None:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    for _ in range(200):
        parameter = TOKEN_PREFIX + secrets.token_urlsafe(handovers.TOKEN_BYTES)
        assert len(parameter) <= TOKEN_MAX and set(parameter) <= allowed
