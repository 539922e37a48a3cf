"""The terminal chat in a real terminal: Ctrl-C leaves at once and cleanly,
/help names /quit, a notification prints above the prompt and the prompt
comes back with what was being typed; a signal stops ``possibles run``
even while it waits for piped input; bad options get one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console import possibles
from tests.e2e.terminal import Terminal

PROPOSE = ["/propose", "Des arbres sur la place du village", "Dix tilleuls pour l'ombre en été.", "rhone"]


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def test_ctrl_c_leaves_the_chat_at_once_and_cleanly(tmp_path: Path, terminals: list[Terminal]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    term = Terminal("chat", "--as", "alice", "--lang", "en", "--database", db, cwd=tmp_path)
    terminals.append(term)
    term.wait_for_prompt()
    term.line("/help")
    assert "/quit — leave the chat (or Ctrl-C)" in term.transcript

    term.type("half a sentence")  # typed, not sent
    term.type("\x03")  # Ctrl-C
    assert term.exit_status() == 0
    assert "Traceback" not in term.transcript and "Aborted" not in term.transcript


def test_run_shows_a_notification_above_the_prompt_then_ctrl_c_stops_it(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    term = Terminal("run", "--as", "alice", "--lang", "en", cwd=tmp_path)
    terminals.append(term)
    term.wait_for("Ctrl-C to leave")
    term.wait_for_prompt()
    term.line("/quiet off")  # alerts must not wait for the morning whatever the hour
    for step in PROPOSE:
        term.line(step)
    term.line("1")  # the first area found: Rhône
    term.line("1")  # the first topic
    term.line("1")  # Publish
    assert "#1 is online" in term.transcript

    term.type("hello ther")  # a sentence half typed when the notification comes
    term.wait_until(lambda: term.cursor_line == "> hello ther", "the echo")
    mark = len(term.transcript)
    db = f"sqlite:///{tmp_path / 'possibles.db'}"
    volunteered = possibles(
        "chat", "--as", "bob", "--lang", "en", "-d", db, cwd=tmp_path, stdin="/volunteer 1\n"
    )
    assert "Traceback" not in volunteered.stderr
    term.wait_for("🔔", after=mark)

    def redrawn() -> bool:  # below the notification, the prompt again with what was typed
        lines = term.lines
        bell = max((i for i, line in enumerate(lines) if "🔔" in line), default=None)
        return bell is not None and term.cursor_line == "> hello ther" and lines.index("> hello ther") > bell

    term.wait_until(redrawn, "the prompt redrawn under the notification")

    term.type("\x03")
    assert term.exit_status() == 0
    assert "Traceback" not in term.transcript


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_run_while_it_waits_for_piped_input(tmp_path: Path, signum: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "run", "--as", "alice"],
        stdin=subprocess.PIPE,  # kept open: no end of input will come
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        process.stdin.write("/start\n")
        process.stdin.flush()
        for line in process.stdout:
            if "[1]" in line:  # it answered: the roles are running
                break
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("chat", "--as", ""), "possibles: --as needs a name, e.g. --as alice"),
        (("chat", "--as", "  "), "possibles: --as needs a name, e.g. --as alice"),
        (("run", "--as", ""), "possibles: --as needs a name, e.g. --as alice"),
        (("chat", "--as", "alice", "--lang", "de"), "possibles: --lang takes fr or en, not 'de'"),
        (("run", "--lang", "de"), "possibles: --lang takes fr or en, not 'de'"),
    ],
)
def test_bad_options_get_one_clear_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        input="/start\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert not (tmp_path / "possibles.db").exists()  # refused before anything was opened


def test_chat_with_no_input_at_all_ends_quietly(tmp_path: Path) -> None:
    """/dev/null cannot be watched by the event loop: it is read as a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--as", "alice"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
