"""A configured Discord role makes its holders moderators of possibles while
they hold it (core.services.platform_roles); a role an admin gave stays."""

from __future__ import annotations

import pytest

from core.bootstrap import Runtime
from core.config import DiscordSettings, Settings
from core.domain.members import Identity
from core.errors import NotFound
from core.services import admin, members, platform_roles
from core.services.members import member_roles

ROLE = "555"
ALICE = Identity("discord", "21")


def _settings(runtime: Runtime, role: int | None = int(ROLE)) -> Settings:
    return runtime.settings.model_copy(update={"discord": DiscordSettings(moderator_role_id=role)})


def _roles(runtime: Runtime, identity: Identity) -> frozenset[str]:
    uow = runtime.uow()
    with uow:
        member = members.find_member(uow, str(identity))
        assert member.id is not None
        return member_roles(uow, member.id)


def test_a_holder_unknown_yet_is_entered_and_made_moderator_then_loses_it_with_the_role(
    runtime: Runtime,
) -> None:
    settings = _settings(runtime)
    assert platform_roles.reconcile(runtime.uow, ALICE, {ROLE, "1"}, settings, "Alice", "fr") is True
    assert "moderator" in _roles(runtime, ALICE)
    # held still: nothing more to do
    assert platform_roles.reconcile(runtime.uow, ALICE, {ROLE}, settings, "Alice") is None
    assert platform_roles.reconcile(runtime.uow, ALICE, {"1"}, settings, "Alice") is False
    assert "moderator" not in _roles(runtime, ALICE)


def test_a_moderator_made_by_an_admin_keeps_the_role_without_the_platforms(runtime: Runtime) -> None:
    settings = _settings(runtime)
    members.enter(runtime.uow(), ALICE, "Alice", "fr", settings)
    admin.grant_role(runtime.uow(), str(ALICE), "moderator")
    assert platform_roles.reconcile(runtime.uow, ALICE, {ROLE}, settings, "Alice") is None
    assert platform_roles.reconcile(runtime.uow, ALICE, set(), settings, "Alice") is None
    assert "moderator" in _roles(runtime, ALICE)


def test_nothing_happens_without_a_configured_role_or_for_a_stranger_without_it(runtime: Runtime) -> None:
    assert platform_roles.reconcile(runtime.uow, ALICE, {ROLE}, _settings(runtime, None), "Alice") is None
    assert platform_roles.reconcile(runtime.uow, ALICE, set(), _settings(runtime), "Alice") is None
    uow = runtime.uow()
    with uow, pytest.raises(NotFound):  # a stranger without the role is not entered
        members.find_member(uow, str(ALICE))
    assert (
        platform_roles.reconcile(runtime.uow, Identity("telegram", "21"), {ROLE}, _settings(runtime), "A")
        is None
    )
