"""One person across the terminal and Telegram, and /mydata as a Telegram
document: the real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from core.domain.members import Identity
from core.presentation.context import Speaker
from tests.e2e.test_telegram_front_end import bot, reply_to, run
from tests.fakes.telegram import FakeTelegram
from tests.support import text_of

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


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
            assert ("Comptes reliés" if language == "fr" else "Accounts linked") in linked.text

            tg.user_sends(42, "/mydata", language_code=language, first_name="Camille")
            sent = await reply_to(tg, 42, 3)  # the card, then the file
            card = tg.messages(42)[-2]
            assert ("Vos données" if language == "fr" else "Your data") in card.text
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
