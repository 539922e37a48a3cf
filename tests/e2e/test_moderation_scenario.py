"""The whole moderation story through the real ``possibles chat``, driven by
a pipe: propose → three members join → one reports → two more report →
hidden → a moderator dismisses → visible again, and the public log says so."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.console import possibles

PROPOSE = [
    "/propose",
    "Des arbres sur la place",
    "Dix tilleuls pour l'ombre sur la place.",
    "Rhône",
    "1",
    "1",
    "1",
]
REPORT = ["/report initiative 1", "3", "1"]  # reason 3 = spam, then "No note"


def chat(tmp_path: Path, name: str, *lines: str, lang: str = "en") -> str:
    script = "\n".join(lines) + "\n"
    db = f"sqlite:///{tmp_path / 'possibles.db'}"
    return possibles(
        "chat", "--as", name, "--lang", lang, "--database", db, cwd=tmp_path, stdin=script
    ).stdout


def test_reports_hide_and_a_moderator_dismisses_in_public(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'possibles.db'}"
    published = chat(tmp_path, "alice", *PROPOSE, lang="fr")
    assert "Publiée\u00a0! L'initiative n°1 est en ligne." in published

    for name in ("bob", "carol", "dan"):
        assert "You support #1." in chat(tmp_path, name, "/join 1")
    assert "4 supporters of 500 needed" in chat(tmp_path, "frank", "/show 1")

    assert "Thank you, the moderators will look at it." in chat(tmp_path, "erin", *REPORT)
    still_visible = chat(tmp_path, "frank", "/show 1")
    assert "Des arbres sur la place" in still_visible and "hidden" not in still_visible

    for name in ("grace", "heidi"):
        assert "Thank you, the moderators will look at it." in chat(tmp_path, name, *REPORT)
    hidden = chat(tmp_path, "frank", "/show 1")
    assert "Initiative #1 is hidden pending the moderators' review." in hidden
    assert "You support" not in chat(tmp_path, "ivan", "/join 1")

    # Not a moderator: the queue is refused, whatever is typed.
    assert "moderators" in chat(tmp_path, "frank", "/queue").lower()

    chat(tmp_path, "mod", "/start")
    granted = possibles("admin", "grant", "console:mod", "moderator", "--database", db, cwd=tmp_path).stdout
    assert "moderator" in granted
    queue = chat(tmp_path, "mod", "/queue", "1")  # [1] Dismiss on the only review card
    assert "3 reports: spam ×3" in queue
    decided = queue.split("== Review #1 · initiative #1 ==")[1]
    assert "Decision #1: report dismissed, by mod." in decided and "[1]" not in decided  # buttons gone

    visible = chat(tmp_path, "frank", "/show 1")
    assert "hidden" not in visible and "Des arbres sur la place" in visible
    log = chat(tmp_path, "frank", "/modlog")
    assert "initiative #1: report dismissed" in log and "spam" not in log  # a dismissal has no reason
    for reporter in ("erin", "grace", "heidi"):
        assert reporter not in log  # the public log never says who reported
