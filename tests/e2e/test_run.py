"""``possibles run`` with no token: the terminal chat on a SQLite file in the
working directory, and the data is still there on the next run."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.console import possibles

PROPOSE = "\n".join(
    [
        "/propose",
        "Des arbres sur la place du village",
        "La place est brûlante l'été : plantons dix tilleuls.",
        "rhone",
        "1",  # the first area found: Rhône
        "1",  # the first topic
        "1",  # Publish
        "",
    ]
)


def test_run_talks_in_the_terminal_and_keeps_its_data(tmp_path: Path) -> None:
    first = possibles("run", "--as", "alice", cwd=tmp_path, stdin=PROPOSE)
    assert "no platform token" in first.stdout
    assert "POSSIBLES_TELEGRAM__TOKEN" in first.stdout  # how to connect a real platform
    assert "n°1" in first.stdout and "Des arbres sur la place du village" in first.stdout
    assert (tmp_path / "possibles.db").is_file()

    second = possibles("run", "--as", "bob", cwd=tmp_path, stdin="/join 1\n/show 1\n")
    assert "Vous soutenez n°1. 2 soutiens sur 500." in second.stdout
    assert "Des arbres sur la place du village" in second.stdout


def test_help_lists_the_commands_in_english_for_an_english_speaker(tmp_path: Path) -> None:
    result = possibles("chat", "--as", "sam", "--lang", "en", cwd=tmp_path, stdin="/help\n")
    assert "/propose [TITLE] — propose an initiative, step by step" in result.stdout
    assert "/join ID — support an initiative (your signature)" in result.stdout


def test_cli_help_describes_every_command(tmp_path: Path) -> None:
    result = possibles("--help", cwd=tmp_path)
    for name in ("run", "chat", "db", "areas", "admin", "demo"):
        assert name in result.stdout
