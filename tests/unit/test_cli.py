"""The ``possibles`` command itself: its version, help texts people can read,
and help that answers without loading the core, the database layer or a chat
library."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bots.cli import app

ROOT = Path(__file__).resolve().parents[2]

#: What no help text may import (help took seconds when it loaded them all).
HEAVY = ("sqlalchemy", "alembic", "telegram", "discord", "aiohttp", "httpx", "apscheduler")
#: Nor any of the project but the CLI package.
PROJECT = ("core", "notifications", "bots.runner", "bots.console", "bots.telegram")

#: Type placeholders typer prints beside options and arguments: <bool>, <str>, <list[str]>, {FILE}.
PLACEHOLDER = re.compile(r"<[a-z_]+(\[[a-z_, |]+\])?>|\{[A-Za-z_]+\}")


def _command_paths(
    command: typer.core.TyperGroup | typer.core.TyperCommand, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"possibles {version('possibles')}\n"


def test_every_help_text_is_free_of_type_placeholders() -> None:
    paths = list(_command_paths(typer.main.get_command(app)))
    assert ("admin", "unverify") in paths and ("areas", "import") in paths  # the whole tree is walked
    for path in paths:
        result = CliRunner().invoke(app, [*path, "--help"], prog_name="possibles")
        assert result.exit_code == 0, (path, result.output)
        assert PLACEHOLDER.search(result.output) is None, (path, result.output)
        assert result.output.startswith(f"Usage: {' '.join(('possibles', *path))} [OPTIONS]")
    unverify = CliRunner().invoke(app, ["admin", "unverify", "--help"], prog_name="possibles").output
    assert "Usage: possibles admin unverify [OPTIONS] MEMBER" in unverify
    assert "-a, --area AREA" in unverify


def _imported_by(*args: str) -> set[str]:
    """The modules ``python -m bots.cli ARGS`` imports, read from -X importtime."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bots.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout  # it did answer
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "bots.cli" in names  # the measurement saw the command's own imports
    return names


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("admin", "--help"), ("run", "--help")])
def test_help_and_version_import_nothing_heavy(args: tuple[str, ...]) -> None:
    imported = _imported_by(*args)
    heavy = sorted(n for n in imported if n.split(".")[0] in HEAVY)
    project = sorted(n for n in imported if any(n == p or n.startswith(p + ".") for p in PROJECT))
    assert heavy == [] and project == []
    if len(args) == 1:
        # The first screen does not even build the commands' parameters
        # (typer validates them with pydantic adapters).
        assert not any(n.split(".")[0] == "pydantic" for n in imported)


def test_log_lines_follow_stderr_when_the_terminal_chat_swaps_it() -> None:
    """The prompt swaps sys.stderr for a stream that prints above it: log
    lines must go there, not to the stream that was current at start-up."""
    script = (
        "import io, logging, sys\n"
        "from bots.cli.logs import configure_logging\n"
        "configure_logging('info')\n"
        "swapped = io.StringIO()\n"
        "sys.stderr = swapped\n"
        "logging.getLogger('possibles.test').info('a line while the prompt waits')\n"
        "sys.stderr = sys.__stderr__\n"
        "print(swapped.getvalue(), end='')\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.stdout == "INFO:possibles.test:a line while the prompt waits\n"
    assert result.stderr == ""


def test_no_log_line_shows_a_bot_token() -> None:
    """httpx logs each request's address at INFO, and the Bot API puts the
    token in it; a traceback may carry it too."""
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    script = (
        "import logging\n"
        "from bots.cli.logs import configure_logging\n"
        "configure_logging('info')\n"
        f"url = 'https://api.telegram.org/bot{token}/sendMessage'\n"
        "logging.getLogger('httpx').info('HTTP Request: POST %s \"HTTP/1.1 200 OK\"', url)\n"
        "try:\n"
        "    raise RuntimeError(f'Client error for url {url}')\n"
        "except RuntimeError:\n"
        "    logging.getLogger('possibles.test').exception('sending failed')\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert "HTTP Request: POST https://api.telegram.org/bot<token>/sendMessage" in result.stderr
    assert "Client error for url https://api.telegram.org/bot<token>/sendMessage" in result.stderr
    assert token not in result.stderr and token.split(":")[1] not in result.stderr
