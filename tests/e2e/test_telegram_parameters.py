"""Telegram reads every command through the catalog's typed parameters: the
real python-telegram-bot against the fake Bot API, each command of the
catalog sent with a Unicode digit that passes str.isdigit()."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.presentation.commands import default_catalog
from core.presentation.parameters import Kind
from tests.e2e.test_telegram_front_end import bot, reply_to, run

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_every_command_is_read_by_its_parameters(tmp_path: Path) -> None:
    catalog = default_catalog()

    async def test() -> None:
        async with bot(tmp_path) as (tg, _):
            for answers, spec in enumerate(catalog.commands.values(), start=1):
                tg.user_sends(42, f"/{spec.name} ²", language_code="en", first_name="Ada")
                text = (await reply_to(tg, 42, answers)).text or ""
                assert "went wrong" not in text, spec.name
                first = spec.parameters[0] if spec.parameters else None
                if first is not None and first.required and first.kind is Kind.INITIATIVE:
                    assert f"for example /{spec.name} 12" in text, (spec.name, text)
            tg.user_sends(43, "/top semaine", language_code="fr", first_name="Zoé")
            assert "cette semaine" in ((await reply_to(tg, 43, 1)).text or "")
            tg.user_sends(43, "/join 9223372036854775808", language_code="fr")
            assert "Il n'y a pas d'initiative" in ((await reply_to(tg, 43, 2)).text or "")

    run(test)
