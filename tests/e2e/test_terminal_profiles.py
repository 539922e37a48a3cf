"""/me and /profile through the real ``possibles chat``, in French and
English, with the shipped badges: a badge on the card, one's settings and
their buttons, hiding from leaderboards and profiles; and the alert of a
badge earned printed by ``possibles run`` above the prompt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console import possibles
from tests.e2e.terminal import Terminal

PROPOSE = [
    "/propose",
    "Des arbres sur la place du village",
    "Dix tilleuls pour l'ombre sur la place.",
    "Lyon",
    "1",  # the first area found: Lyon
    "1",  # the first topic
    "1",  # Publish
]


def chat(tmp_path: Path, name: str, *lines: str, lang: str) -> str:
    db = f"sqlite:///{tmp_path / 'possibles.db'}"
    script = "\n".join(lines) + "\n"
    result = possibles("chat", "--as", name, "--lang", lang, "--database", db, cwd=tmp_path, stdin=script)
    assert "Traceback" not in result.stderr
    return result.stdout


def test_me_and_profile_in_french_and_english_and_hiding(tmp_path: Path) -> None:
    chat(tmp_path, "alice", *PROPOSE, "/area Lyon", "1", lang="fr")
    assert "You support #1." in chat(tmp_path, "bob", "/join 1", lang="en")

    mine = chat(tmp_path, "alice", "/me", lang="fr")
    card = mine.split("== 👤 alice (n°1) ==")[1]
    for shown in (
        "🏅 Première initiative",
        "Participation\u00a0: créateur",
        "Points\u00a0: 6",  # 5 for proposing, 1 for bob's support
        "Rang à Lyon\u00a0: 1ᵉʳ",
        "Initiatives proposées\u00a0: 1",
        "Langue\u00a0: fr",
        "Résumé\u00a0: chaque jour à 18:00",
        "Heures calmes\u00a0: 22:00–08:00",
        "Classements\u00a0: affiché",
        "[1] 🌐 Langue",
        "[4] Ne pas apparaître dans les classements ni les profils",
    ):
        assert shown in card, shown

    seen = chat(tmp_path, "bob", "/profile alice", lang="en")
    card = seen.split("== 👤 alice (#1) ==")[1]
    for shown in ("🏅 First initiative", "Participation: creator", "Points: 6", "Rank in Lyon: #1"):
        assert shown in card, shown
    assert "Language" not in card and "[1]" not in card  # not bob's settings, no buttons
    assert seen == chat(tmp_path, "bob", "/profile #1", lang="en")

    # The other way round: bob's /me in English, alice's profile read in French.
    mine = chat(tmp_path, "bob", "/me", lang="en").split("== 👤 bob (#2) ==")[1]
    for shown in ("No badge yet.", "Participation: joiner", "Points: 0", "Language: en", "[1] 🌐 Language"):
        assert shown in mine, (shown, mine)
    seen = chat(tmp_path, "carole", "/profile alice", lang="fr").split("== 👤 alice (n°1) ==")[1]
    for shown in ("🏅 Première initiative", "Participation\u00a0: créateur", "Rang à Lyon\u00a0: 1ᵉʳ"):
        assert shown in seen, (shown, seen)
    assert "Langue" not in seen and "[1]" not in seen

    # Alice hides (the fourth button of /me): bob sees that, and nothing else.
    hidden = chat(tmp_path, "alice", "/me", "4", lang="fr")
    assert "Classements\u00a0: masqué (profil aussi)" in hidden
    assert "Vous seul voyez ceci" in hidden
    seen = chat(tmp_path, "bob", "/profile alice", lang="en")
    assert "alice keeps their profile private." in seen
    assert "First initiative" not in seen and "Points" not in seen
    assert "alice" not in chat(tmp_path, "bob", "/top all", lang="en")
    # Her own profile still shows her rank.
    assert "Rang à Lyon\u00a0: 1ᵉʳ" in chat(tmp_path, "alice", "/profile alice", lang="fr")

    assert "No member is called “nobody”." in chat(tmp_path, "bob", "/profile nobody", lang="en")
    assert "Il n'y a pas de membre n°99." in chat(tmp_path, "carole", "/profile #99", lang="fr")
    assert "Give a member's name or number, for example /profile #12." in chat(
        tmp_path, "bob", "/profile", lang="en"
    )


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def test_a_badge_earned_is_an_alert_in_the_terminal(tmp_path: Path, terminals: list[Terminal]) -> None:
    term = Terminal("run", "--as", "alice", "--lang", "fr", cwd=tmp_path)
    terminals.append(term)
    term.wait_for_prompt()
    term.line("/quiet off")  # alerts must not wait for the morning whatever the hour
    for step in PROPOSE:
        term.line(step)
    term.wait_for("Vous avez reçu un badge")
    term.wait_for("Première initiative, niveau 1")
    term.wait_for("A proposé sa première initiative.")
    term.type("\x03")
    assert term.exit_status() == 0
    assert "Traceback" not in term.transcript
