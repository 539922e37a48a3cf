"""Each rule lives in one place in core.domain: the rule itself, and a guard
that no copy of it grows back elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.domain.areas import Area
from core.domain.chats import ChatPurpose, chat_in_force
from core.domain.initiatives import Initiative, Visibility
from core.domain.members import Mandate, Role, has_role, roles_granting, time_of_day
from core.domain.moderation import Decision, ModerationAction, appealable, ensure_appealable
from core.errors import Conflict, InvalidInput, NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def initiative(visibility: Visibility) -> Initiative:
    return Initiative(
        author_id=1,
        title="Trees on the square",
        description="Shade for the square in summer",
        area_id=1,
        topic="environment",
        goal=50,
        created_at=NOW,
        expires_at=NOW + timedelta(days=180),
        visibility=visibility.value,
        id=7,
    )


def test_readable_by_everyone_while_visible_then_author_and_moderators_then_nobody() -> None:
    visible, hidden, removed = (
        initiative(v) for v in (Visibility.VISIBLE, Visibility.HIDDEN, Visibility.REMOVED)
    )
    assert visible.readable_by(None, ())
    assert hidden.readable_by(1, ()) and not hidden.readable_by(2, ()) and not hidden.readable_by(None, ())
    assert hidden.readable_by(2, {"moderator"}) and hidden.readable_by(2, {"admin"})
    assert not hidden.readable_by(2, {"official"})
    assert not removed.readable_by(1, {"admin"})
    with pytest.raises(NotFound) as refused:
        hidden.ensure_readable_by(2, ())
    assert refused.value.key == "error.initiative_hidden"


def test_admin_implies_every_role() -> None:
    for role in Role:
        assert has_role({"admin"}, role)
        assert set(roles_granting(role)) == {role.value, "admin"}
    assert has_role({"official"}, Role.OFFICIAL) and not has_role({"official"}, Role.MODERATOR)


def test_a_mandate_covers_its_area_and_what_lies_inside_while_active() -> None:
    region = Area(code="R84", name="Auvergne-Rhône-Alpes", level="region", search_key="", path="/1/2/", id=2)
    lyon = Area(code="69123", name="Lyon", level="commune", search_key="lyon", path="/1/2/3/4/", id=4)
    mandate = Mandate(member_id=9, area_id=2, title="Président de région", verified_at=NOW)
    assert mandate.covers(region, lyon) and mandate.covers(region, region)
    assert not Mandate(member_id=9, area_id=4, title="Maire", verified_at=NOW).covers(lyon, region)
    mandate.revoked_at = NOW
    assert not mandate.covers(region, lyon)


def test_a_decision_is_appealable_once_never_a_dismissal_nor_an_appeals_outcome() -> None:
    def decision(action: ModerationAction, appeal_of: int | None = None) -> Decision:
        return Decision(
            "initiative", 7, 3, action.value, "spam", NOW, target_author_id=1, appeal_of_id=appeal_of, id=5
        )

    assert appealable(decision(ModerationAction.HIDE), appealed=False)
    assert not appealable(decision(ModerationAction.HIDE), appealed=True)
    assert not appealable(decision(ModerationAction.DISMISS), appealed=False)
    assert not appealable(decision(ModerationAction.UPHOLD, appeal_of=4), appealed=False)
    with pytest.raises(Conflict):
        ensure_appealable(decision(ModerationAction.HIDE), 1, appealed=True)
    with pytest.raises(InvalidInput):
        ensure_appealable(decision(ModerationAction.DISMISS), 1, appealed=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8", "08:00"), ("8:30", "08:30"), ("18h", "18:00"), ("18h30", "18:30"), (" 07:05 ", "07:05")],
)
def test_one_time_of_day_parser(text: str, expected: str) -> None:
    assert time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24", "12:60", "²", "①:00", "noon", "", "8:5", "123"])
def test_what_is_not_a_time_of_day(text: str) -> None:
    assert time_of_day(text) is None


def test_the_chat_set_from_the_chat_wins_over_the_configured_one() -> None:
    assert chat_in_force("-100", "-200") == "-100"
    assert chat_in_force(None, "-200") == "-200"
    assert chat_in_force(None, None) is None
    assert ChatPurpose.MODERATORS == "moderators"


def _sources(*folders: str) -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for f in folders for p in sorted((ROOT / f).rglob("*.py"))]


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        # admin implies every role: only core.domain.members names "admin" beside another role
        (r"Role\.ADMIN\.value|\"admin\" in roles", "core/domain/members.py"),
        (r"^LANGUAGES\s*=", "core/domain/members.py"),
        (r"^MODERATORS\s*=\s*\"", "core/domain/chats.py"),
        (r"\\d\{1,2\}\)\(\?:\[:h\]", "core/domain/members.py"),
        (r"\.contains\(area\)", "core/domain/members.py"),
    ],
)
def test_no_copy_of_a_rule_outside_its_home(pattern: str, home: str) -> None:
    found = [
        str(path.relative_to(ROOT))
        for path, text in _sources("core", "notifications", "bots")
        if re.search(pattern, text, re.M)
    ]
    assert set(found) <= {home}, found
