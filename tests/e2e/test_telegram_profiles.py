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


WORDS = {
    "fr": {
        "alice": "👤 Alice (n°1)",
        "badge": "🏅 Première initiative",
        "proposed": "Initiatives proposées\u00a0: 1",
        "no_badge": "Aucun badge pour l'instant.",
        "listed": "Classements\u00a0: affiché",
        "hide": "Ne pas apparaître dans les classements ni les profils",
        "hidden": "Classements\u00a0: masqué (profil aussi)",
        "show": "Apparaître dans les classements et les profils",
        "private": "Sam garde son profil privé.",
        "menu": "la fiche publique d'un membre",
    },
    "en": {
        "alice": "👤 Alice (#1)",
        "badge": "🏅 First initiative",
        "proposed": "Initiatives proposed: 1",
        "no_badge": "No badge yet.",
        "listed": "Leaderboards: listed",
        "hide": "Hide me from leaderboards and profiles",
        "hidden": "Leaderboards: hidden (profile too)",
        "show": "Show me on leaderboards and profiles",
        "private": "Sam keeps their profile private.",
        "menu": "a member's public card",
    },
}

#: The settings buttons of /me.
BUTTONS = {
    "fr": {"🌐 Langue", "📬 Résumé", "🌙 Heures calmes", "🏅 Mes badges"},
    "en": {"🌐 Language", "📬 Digest", "🌙 Quiet hours", "🏅 My badges"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_me_and_profile_on_telegram(tmp_path: Path, language: str) -> None:
    words = WORDS[language]

    async def test() -> None:
        async with bot_with_badges(tmp_path) as (tg, runtime):
            seeded(runtime)  # Alice, on the terminal, proposes: her first badge
            tg.user_sends(42, "/profile Alice", language_code=language, first_name="Zoé")
            card = (await reply_to(tg, 42, 1)).text or ""
            assert words["alice"] in card and words["badge"] in card and words["proposed"] in card

            tg.user_sends(43, "/me", language_code=language, first_name="Sam")
            me = await reply_to(tg, 43, 1)
            mine = me.text or ""
            assert "👤 Sam" in mine and words["no_badge"] in mine and words["listed"] in mine
            labels = {b["text"] for b in me.buttons}
            assert BUTTONS[language] <= labels and words["hide"] in labels
            await press(tg, 43, me, words["hide"])  # a setting, changed from the card
            await tg.wait_for(lambda: tg.message(43, me.message_id).edits)
            edited = tg.message(43, me.message_id)  # the same card, edited in place
            changed = edited.text or ""
            assert words["hidden"] in changed and words["listed"] not in changed
            assert words["show"] in {b["text"] for b in edited.buttons}
            assert len(tg.messages(43)) == 1

            tg.user_sends(42, "/profile Sam", language_code=language, first_name="Zoé")
            assert words["private"] in ((await reply_to(tg, 42, 2)).text or "")

            names = [c["command"] for c in tg.commands[("default", language)]]
            assert {"me", "profile", "link", "mydata", "forget"} <= set(names)
            assert len(names) <= 100  # Telegram's menu holds 100
            described = dict((c["command"], c["description"]) for c in tg.commands[("default", language)])
            assert described["profile"].startswith(words["menu"])

    run(test)
