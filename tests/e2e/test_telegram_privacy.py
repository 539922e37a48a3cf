"""One person across the terminal and Telegram, /mydata as a Telegram
document, and /forget confirmed with a button: the real python-telegram-bot
against the fake Bot API server, in French and in English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from core.domain.members import Identity
from core.presentation.context import Speaker
from tests.e2e.test_telegram_front_end import bot, press, reply_to, run, seeded
from tests.fakes.telegram import FakeTelegram
from tests.support import text_of

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
NUMBER = re.compile(r"\((?:#|n°)(\d+)\)")

WORDS = {
    "fr": {
        "forget": "Effacer vos données\u00a0?",
        "erases": "Seront effacés\u00a0: vos comptes sur toutes les plateformes",
        "final": "C'est définitif.",
        "button": "Tout effacer",
        "done": "C'est fait\u00a0: vos comptes et vos données personnelles sont effacés.",
        "stale": "Ce bouton n'est plus valide.",
        "unknown": "Aucun membre ne s'appelle «\u00a0Camille\u00a0».",
        "former": "👤 ancien membre (n°{id})",
        "gone": "Ce membre a effacé son compte",
        "author": "ancien membre",
        "mydata": "Vos données",
    },
    "en": {
        "forget": "Erase your data?",
        "erases": "Erased: your accounts on every platform",
        "final": "This cannot be undone.",
        "button": "Erase everything",
        "done": "Done: your accounts and personal data are erased.",
        "stale": "This button is no longer valid.",
        "unknown": "No member is called “Camille”.",
        "former": "👤 former member (#{id})",
        "gone": "This member erased their account",
        "author": "former member",
        "mydata": "Your data",
    },
}


async def download(tg: FakeTelegram, file_id: str) -> bytes:
    """The file as a client gets it: getFile, then the file URL."""
    async with httpx.AsyncClient() as client:
        found = (await client.post(f"{tg.api_url}/getFile", json={"file_id": file_id})).json()
        path = found["result"]["file_path"]
        return (await client.get(f"{tg.base_file_url}{tg.token}/{path}")).content


@pytest.mark.parametrize("language", ["fr", "en"])
def test_link_from_the_terminal_then_mydata_as_a_telegram_document(tmp_path: Path, language: str) -> None:
    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            console = Speaker(Identity("console", "camille"), "Camille", language)
            issued = runtime.chat().command(console, "link")
            code = CODE.search(text_of(issued))
            assert code, text_of(issued)

            tg.user_sends(42, f"/link {code[1]}", language_code=language, first_name="Camille")
            linked = await reply_to(tg, 42, 1)
            assert ("Comptes reliés" if language == "fr" else "Accounts linked") in (linked.text or "")

            tg.user_sends(42, "/mydata", language_code=language, first_name="Camille")
            sent = await reply_to(tg, 42, 3)  # the card, then the file
            card = tg.messages(42)[-2]
            assert ("Vos données" if language == "fr" else "Your data") in (card.text or "")
            assert sent.document is not None
            assert sent.document["file_name"].startswith("possibles-mydata-")
            assert sent.document["file_name"].endswith(".json")
            exported = json.loads(await download(tg, sent.document["file_id"]))
            platforms = sorted(i["platform"] for i in exported["tables"]["identities.member_id"])
            assert platforms == ["console", "telegram"]
            assert [c.method for c in tg.requests if c.method == "sendDocument" and c.status == 200] == [
                "sendDocument"
            ]

    run(test)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_forget_confirmed_with_a_button_then_others_see_a_former_member(
    tmp_path: Path, language: str
) -> None:
    words = WORDS[language]

    async def test() -> None:
        async with bot(tmp_path) as (tg, runtime):
            tg.user_sends(42, "/start", language_code=language, first_name="Camille")
            await reply_to(tg, 42, 1)
            number = seeded(runtime, "Benches along the river", by=Identity("telegram", "42"), name="Camille")
            tg.user_sends(43, "/profile Camille", language_code=language, first_name="Zoé")
            profile = (await reply_to(tg, 43, 1)).text or ""
            found = NUMBER.search(profile)
            assert found and "👤 Camille" in profile, profile
            camille = int(found[1])

            tg.user_sends(42, "/forget", language_code=language, first_name="Camille")
            card = await reply_to(tg, 42, 2)
            question = card.text or ""
            assert words["forget"] in question and words["erases"] in question and words["final"] in question
            assert [b["text"] for b in card.buttons] == [words["button"]]
            [confirm] = card.callback_data
            await press(tg, 42, card, words["button"])
            await tg.wait_for(lambda: tg.message(42, card.message_id).edits)
            done = tg.message(42, card.message_id)  # the question became the answer, in place
            assert words["done"] in (done.text or "") and done.buttons == []
            assert len(tg.messages(42)) == 2

            # The same confirmation pressed again (a stale or forged press: the
            # button is gone): an alert says so, and nothing changes.
            again = tg.user_presses(42, 42, card.message_id, confirm, strict=False)
            await tg.wait_for(lambda: again in tg.callback_answers)
            answer = tg.callback_answers[again]
            assert answer.text == words["stale"] and answer.show_alert
            assert tg.message(42, card.message_id).edits == 1 and len(tg.messages(42)) == 2

            # Others no longer find the name; the number shows a former member;
            # what Camille published stays, under "former member".
            tg.user_sends(43, "/profile Camille", language_code=language, first_name="Zoé")
            assert words["unknown"] in ((await reply_to(tg, 43, 2)).text or "")
            tg.user_sends(43, f"/profile #{camille}", language_code=language, first_name="Zoé")
            former = (await reply_to(tg, 43, 3)).text or ""
            assert words["former"].format(id=camille) in former and words["gone"] in former
            assert "Camille" not in former
            tg.user_sends(43, f"/show {number}", language_code=language, first_name="Zoé")
            shown = (await reply_to(tg, 43, 4)).text or ""
            assert "Benches along the river" in shown and words["author"] in shown and "Camille" not in shown

            # Writing again from the same Telegram account is someone new, with nothing of before.
            tg.user_sends(42, "/mydata", language_code=language, first_name="Camille")
            sent = await reply_to(tg, 42, 4)  # the card, then the file
            assert words["mydata"] in (tg.messages(42)[-2].text or "")
            assert sent.document is not None
            exported = json.loads(await download(tg, sent.document["file_id"]))
            assert exported["member"]["id"] != camille and exported["member"]["language"] == language
            held = {name: rows for name, rows in exported["tables"].items() if rows}
            # The account, and the token of this /mydata's own download link (its digest).
            assert sorted(held) == ["handover_tokens.member_id", "identities.member_id"], list(held)
            assert [t["kind"] for t in held["handover_tokens.member_id"]] == ["download"]
            assert [(i["platform"], i["external_id"]) for i in held["identities.member_id"]] == [
                ("telegram", "42")
            ]

    run(test)
