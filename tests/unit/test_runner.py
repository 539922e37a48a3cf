"""What `possibles run` decides to run."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_discord_token_starts_discord_beside_telegram() -> None:
    from pydantic import SecretStr

    from bots.runner import plan_roles
    from core.bootstrap import Runtime
    from core.config import DiscordSettings, Settings, TelegramSettings

    settings = Settings(
        database_url="sqlite://",
        discord=DiscordSettings(token=SecretStr("x")),
        telegram=TelegramSettings(token=SecretStr("1:x")),
    )
    runtime = Runtime.open(settings)
    plan = plan_roles(runtime, None)
    assert plan.front_ends == ["telegram", "discord"] and not plan.console
    assert plan.scheduler and plan.sender
    assert plan_roles(runtime, {"discord"}).front_ends == ["discord"]


def test_front_ends_come_from_an_explicit_registry() -> None:
    from pydantic import SecretStr

    from bots import runner
    from bots.front_end import FrontEnd
    from bots.registry import FRONT_ENDS, front_end
    from core.bootstrap import Runtime
    from core.config import DiscordSettings, Settings, TelegramSettings

    assert {"telegram", "discord"} <= set(FRONT_ENDS)
    settings = Settings(database_url="sqlite://", telegram=TelegramSettings(token=SecretStr("1:x")))
    runtime = Runtime.open(settings)
    plan = runner.plan_roles(runtime, None)
    assert plan.front_ends == ["telegram"] and not plan.console
    built = front_end("telegram", runtime)
    assert isinstance(built, FrontEnd) and built.name == "telegram" and built.limits.alert == 200
    assert built.sender().platform == "telegram"
    discord_settings = Settings(database_url="sqlite://", discord=DiscordSettings(token=SecretStr("x")))
    discord = front_end("discord", Runtime.open(discord_settings))
    assert isinstance(discord, FrontEnd) and discord.name == "discord" and discord.limits.alert == 2000
    assert discord.sender().platform == "discord"
    source = Path(runner.__file__).read_text(encoding="utf-8")
    assert "importlib" not in source and "list[Any]" not in source


def test_a_missing_front_end_library_is_an_error_said_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from pydantic import SecretStr

    from bots.front_end import FrontEndUnavailable
    from bots.registry import front_end
    from core.bootstrap import Runtime
    from core.config import Settings, TelegramSettings

    monkeypatch.setitem(sys.modules, "bots.telegram.app", None)  # as if python-telegram-bot were absent
    settings = Settings(database_url="sqlite://", telegram=TelegramSettings(token=SecretStr("1:x")))
    with pytest.raises(FrontEndUnavailable, match="telegram front end needs python-telegram-bot"):
        front_end("telegram", Runtime.open(settings))
