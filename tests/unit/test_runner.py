"""What `possibles run` decides to run."""

from __future__ import annotations


def test_a_token_for_a_front_end_not_built_yet_does_not_stop_possibles_run() -> None:
    from pydantic import SecretStr

    from bots.runner import plan_roles
    from core.bootstrap import Runtime
    from core.config import DiscordSettings, Settings

    settings = Settings(database_url="sqlite://", discord=DiscordSettings(token=SecretStr("x")))
    plan = plan_roles(Runtime.open(settings), None)
    assert "discord" not in plan.front_ends and not plan.console
    assert plan.scheduler and plan.sender
