"""/link, /mydata and /forget in the terminal chat, through the real
``possibles chat`` command, in French and in English: the export is written
to a file whose path is printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.console import possibles

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
SAVED = re.compile(r"📎 (\S+\.json)")

WORDS = {
    "fr": {
        "code": "Relier vos comptes",
        "linked": "Comptes reliés",
        "two": "2\u00a0comptes",
        "mydata": "Voici tout ce que possibles enregistre sur vous",
        "forget": "Effacer vos données\u00a0?",
        "button": "[1] Tout effacer",
        "forgotten": "C'est fait\u00a0: vos comptes et vos données personnelles sont effacés.",
    },
    "en": {
        "code": "Link your accounts",
        "linked": "Accounts linked",
        "two": "2 accounts",
        "mydata": "Here is everything possibles stores about you",
        "forget": "Erase your data?",
        "button": "[1] Erase everything",
        "forgotten": "Done: your accounts and personal data are erased.",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_link_mydata_and_forget_in_the_terminal(tmp_path: Path, language: str) -> None:
    words = WORDS[language]
    db = f"sqlite:///{tmp_path / 'possibles.db'}"
    chat = ("chat", "--lang", language, "--database", db)
    first = possibles(*chat, "--as", "camille", cwd=tmp_path, stdin="/link\n")
    assert words["code"] in first.stdout
    found = CODE.search(first.stdout)
    assert found, first.stdout

    second = possibles(*chat, "--as", "lea", cwd=tmp_path, stdin=f"/link {found[1]}\n/mydata\n/forget\n1\n")
    out = second.stdout
    assert words["linked"] in out and words["two"] in out
    assert words["mydata"] in out
    saved = SAVED.search(out)
    assert saved, out
    path = Path(saved[1])
    assert path.parent == tmp_path.resolve() and path.is_file()
    exported = json.loads(path.read_text(encoding="utf-8"))
    identities = exported["tables"]["identities.member_id"]
    assert sorted(i["external_id"] for i in identities) == ["camille", "lea"]
    assert words["forget"] in out and words["button"] in out
    assert words["forgotten"] in out
    assert "Traceback" not in out + second.stderr
