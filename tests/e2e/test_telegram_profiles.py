"""/me and /profile on Telegram: the real python-telegram-bot against the fake
Bot API, in French and English, with the shipped badges; the menu lists
them; hiding from a /me button edits the card in place."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bootstrap import Runtime
from core.config import Settings
from tests.e2e.test_telegram_front_end import NO_LIMITS, press, reply_to, run, seeded, serving
from tests.fakes.telegram import FakeTelegram
from tests.support import load_small_tree, with_badges

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@contextlib.asynccontextmanager
async def bot_with_badges(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, Runtime]]:
    async with FakeTelegram(rate_limits=NO_LIMITS) as tg:
        settings = with_badges(
            Settings(
                database_url=f"sqlite:///{tmp_path / 'possibles.db'}",
                telegram={"token": tg.token, "api_base_url": tg.base_url},
            )
        )
        runtime = Runtime.open(settings)
        runtime.prepare(load_areas=False)
        load_small_tree(runtime)
        try:
            async with serving(runtime):
                yield tg, runtime
        finally:
            runtime.close()


def test_me_and_profile_on_telegram_in_french_and_english(tmp_path: Path) -> None:
    async def test() -> None:
        async with bot_with_badges(tmp_path) as (tg, runtime):
            seeded(runtime)  # Alice, on the terminal, proposes: her first badge
            tg.user_sends(42, "/profile Alice", language_code="fr", first_name="Zoé")
            card = (await reply_to(tg, 42, 1)).text
            assert "👤 Alice (n°1)" in card and "🏅 Première initiative" in card
            assert "Initiatives proposées" in card

            tg.user_sends(43, "/me", language_code="en", first_name="Sam")
            me = await reply_to(tg, 43, 1)
            assert "👤 Sam" in me.text and "No badge yet." in me.text and "Language" in me.text
            assert {"🌐 Language", "📬 Digest", "🌙 Quiet hours"} <= {b["text"] for b in me.buttons}
            await press(tg, 43, me, "Hide me")
            await tg.wait_for(lambda: tg.message(43, me.message_id).edits)
            assert "hidden (profile too)" in tg.message(43, me.message_id).text

            tg.user_sends(42, "/profile Sam", language_code="fr", first_name="Zoé")
            assert "Sam garde son profil privé." in (await reply_to(tg, 42, 2)).text

            names = [c["command"] for c in tg.commands[("default", "en")]]
            assert {"me", "profile"} <= set(names) and len(names) <= 100  # Telegram's menu holds 100
            fr = dict((c["command"], c["description"]) for c in tg.commands[("default", "fr")])
            assert fr["profile"].startswith("la fiche publique d'un membre")

    run(test)
