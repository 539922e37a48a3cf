"""Plain domain rules, without a database."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from core.domain.areas import Area, goal_for_level
from core.domain.initiatives import Initiative, Status
from core.domain.members import Member, language_from_code
from core.domain.moderation import ensure_may_decide, suspension_end
from core.domain.text import clean_text, fold, similarity
from core.errors import Forbidden, InvalidInput, InvalidState, Suspended

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def initiative(**overrides: object) -> Initiative:
    values: dict[str, object] = dict(
        author_id=1,
        title="Trees",
        description="Shade",
        area_id=1,
        topic="environment",
        goal=3,
        created_at=NOW,
        expires_at=NOW + timedelta(days=180),
    )
    values.update(overrides)
    return Initiative(**values)  # type: ignore[arg-type]


class TestText:
    def test_stored_as_typed_but_normalised_and_without_controls(self) -> None:
        decomposed = unicodedata.normalize("NFD", "Île <b>&")
        assert clean_text(f"  {decomposed}\x00\x07\u202e ", field="title", max_length=50) == "Île <b>&"

    def test_multiline_keeps_paragraphs(self) -> None:
        text = "First line\r\n\n\n\nSecond\tline "
        assert (
            clean_text(text, field="description", max_length=100, multiline=True)
            == "First line\n\nSecond line"
        )

    def test_empty_and_too_long_are_refused_with_the_field(self) -> None:
        with pytest.raises(InvalidInput) as empty:
            clean_text(" \x00 ", field="title", max_length=10)
        assert empty.value.key == "error.text_empty" and empty.value.params["field"] == "title"
        with pytest.raises(InvalidInput) as long:
            clean_text("x" * 11, field="title", max_length=10)
        assert long.value.params == {"field": "title", "max": 10, "length": 11}

    def test_emoji_count_as_typed(self) -> None:
        assert clean_text("🌳" * 10, field="title", max_length=10) == "🌳" * 10

    @pytest.mark.parametrize(
        ("typed", "folded"),
        [
            ("Saint-Étienne", "saint etienne"),
            ("ÎLE-DE-FRANCE", "ile de france"),
            ("Cœur", "coeur"),
            ("l'Aÿ", "l ay"),
        ],
    )
    def test_fold(self, typed: str, folded: str) -> None:
        assert fold(typed) == folded

    def test_similarity_ignores_case_accents_and_punctuation(self) -> None:
        assert similarity("Des arbres place du village", "des ARBRES, place du village !") == 1.0
        assert similarity("Des arbres place du village", "Une piste cyclable") < 0.5


class TestInitiativeLifecycle:
    def test_reaching_the_goal_once(self) -> None:
        item = initiative()
        assert not item.record_supporters(2, NOW)
        assert item.record_supporters(3, NOW)
        assert item.state is Status.GOAL_REACHED and item.goal_reached_at == NOW
        assert not item.record_supporters(4, NOW)

    def test_awaiting_response_days(self) -> None:
        item = initiative()
        item.record_supporters(3, NOW)
        assert item.awaiting_response_days(NOW + timedelta(days=4, hours=3)) == 4
        item.record_response(NOW + timedelta(days=5))
        assert item.state is Status.ANSWERED and item.awaiting_response_days(NOW) is None

    def test_progress_to_action_then_achieved(self) -> None:
        item = initiative()
        with pytest.raises(InvalidState):
            item.progress(Status.ACHIEVED, NOW)  # not before being in action or answered
        item.progress(Status.IN_ACTION, NOW)
        item.progress(Status.ACHIEVED, NOW)
        assert item.state.is_final and not item.state.accepts_support

    def test_only_the_author_withdraws_and_not_twice(self) -> None:
        item = initiative()
        with pytest.raises(Forbidden):
            item.withdraw(2, NOW)
        item.withdraw(1, NOW)
        with pytest.raises(InvalidState):
            item.withdraw(1, NOW)

    def test_expiry(self) -> None:
        item = initiative()
        assert item.expire_if_due(NOW + timedelta(days=179)) is None
        assert item.expire_if_due(NOW + timedelta(days=180)) == ("open", "expired")
        reached = initiative()
        reached.record_supporters(3, NOW)
        assert reached.expire_if_due(NOW + timedelta(days=400)) is None  # a successful one does not expire


class TestMembersAndModeration:
    def test_suspension(self) -> None:
        member = Member("Ann", "fr", "Europe/Paris", NOW)
        member.suspend(NOW + timedelta(days=3))
        with pytest.raises(Suspended):
            member.ensure_may_act(NOW)
        member.ensure_may_act(NOW + timedelta(days=3, seconds=1))
        member.suspend(None)
        assert member.is_suspended(NOW + timedelta(days=3650))

    def test_language_from_platform_code(self) -> None:
        assert language_from_code("fr-FR", "en") == "fr"
        assert language_from_code("en_US", "fr") == "en"
        assert language_from_code("de", "fr") == "fr"
        assert language_from_code(None, "en") == "en"

    def test_never_on_ones_own_content_and_appeals_go_to_someone_else(self) -> None:
        ensure_may_decide(5, 6)
        with pytest.raises(Forbidden):
            ensure_may_decide(5, 5)
        with pytest.raises(Forbidden):
            ensure_may_decide(5, 6, original_moderator_id=5)

    def test_suspension_steps(self) -> None:
        assert suspension_end(NOW, 7, [1, 3, 7, 30]) == NOW + timedelta(days=7)
        assert suspension_end(NOW, 0, [1, 3, 7, 30]) is None  # permanent
        with pytest.raises(InvalidInput):
            suspension_end(NOW, 5, [1, 3, 7, 30])


def test_areas_contain_their_descendants_and_goals_follow_the_level() -> None:
    region = Area("R84", "Auvergne-Rhône-Alpes", "region", "x", path="/1/2/")
    commune = Area("69123", "Lyon", "commune", "lyon", path="/1/2/3/4/")
    other = Area("75056", "Paris", "commune", "paris", path="/1/9/10/11/")
    assert region.contains(commune) and not region.contains(other) and region.contains(region)
    goals = {"commune": 50, "department": 500, "region": 2000, "nation": 10000}
    assert [goal_for_level(level, goals) for level in ("commune", "department", "region", "nation")] == [
        50,
        500,
        2000,
        10000,
    ]
