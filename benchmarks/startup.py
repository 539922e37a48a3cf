"""Starting possibles: ``possibles --help`` and the terminal chat's first
prompt against ``python -c pass``, and ``possibles run`` with a Telegram
token (against the fake Bot API of tests/fakes): time until it polls, and
its memory once idle.

    python -m benchmarks startup
    python -m benchmarks memory
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.table import Row, median

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram

__all__ = ["memory_rows", "startup_rows"]

RUNS = 5


def _possibles() -> list[str]:
    found = shutil.which("possibles")
    return [found] if found else [sys.executable, "-m", "bots.cli"]


def _timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def _first_prompt(env: dict[str, str]) -> float:
    """Seconds from starting ``possibles chat`` in a terminal to its prompt."""
    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*_possibles(), "chat", "--as", "alice"], stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    seen = b""
    try:
        # prompt_toolkit draws "> " between escape sequences.
        while b">" not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen):
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                raise TimeoutError(f"no prompt within 60 s: {seen[-200:]!r}")
            try:
                seen += os.read(leader, 4096)
            except OSError as error:  # the chat ended
                raise RuntimeError(f"possibles chat ended before its prompt: {seen[-300:]!r}") from error
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(10)
        os.close(leader)


def _environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["POSSIBLES_DATABASE_URL"] = f"sqlite:///{scratch / 'startup.db'}"
    env.pop("POSSIBLES_TELEGRAM__TOKEN", None)
    env.pop("POSSIBLES_TELEGRAM_TOKEN", None)
    return env


def startup_rows() -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        env = _environment(Path(scratch))
        bare = median([_timed([sys.executable, "-c", "pass"]) for _ in range(RUNS)])
        helped = median([_timed([*_possibles(), "--help"], env) for _ in range(RUNS)])
        _first_prompt(env)  # creates the database and loads the areas: not timed
        prompt = median([_first_prompt(env) for _ in range(3)])
    ratio = helped / bare
    return [
        Row(
            "possibles --help",
            f"{helped:.2f} s",
            f"python -c pass: {bare:.2f} s",
            f"{ratio:.1f}x",
            "<= 0.5 s or <= 5x",
            helped <= 0.5 or ratio <= 5,
        ),
        Row(
            "possibles chat: first prompt",
            f"{prompt:.2f} s",
            f"python -c pass: {bare:.2f} s",
            f"{prompt / bare:.1f}x",
        ),
    ]


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _until_polling(env: dict[str, str], tg: FakeTelegram) -> tuple[float, float]:
    """Seconds from starting ``possibles run`` to its first getUpdates, and its
    resident memory in MiB three seconds later (idle: nobody writes)."""
    before = sum(call.method == "getUpdates" for call in tg.requests)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*_possibles(), "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while sum(call.method == "getUpdates" for call in tg.requests) == before:
            if process.poll() is not None:
                raise RuntimeError(f"possibles run stopped with status {process.returncode}")
            if time.perf_counter() - started > 180:
                raise TimeoutError("possibles run did not poll within 180 s")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(3)
        return ready, _rss(process.pid) / 2**20
    finally:
        process.terminate()
        process.wait(30)


def memory_rows() -> list[Row]:
    from tests.fakes.telegram import FakeTelegramThread

    with tempfile.TemporaryDirectory() as scratch, FakeTelegramThread() as tg:
        env = {**_environment(Path(scratch)), **tg.env()}
        _until_polling(env, tg)  # creates the database and loads the areas: not counted
        ready, rss = _until_polling(env, tg)
    return [
        Row(
            "possibles run (Telegram): ready (first getUpdates)",
            f"{ready:.2f} s",
            "",
            "",
            "<= 1.5 s",
            ready <= 1.5,
        ),
        Row(
            "possibles run (Telegram): idle memory (RSS)",
            f"{rss:.0f} MiB",
            "",
            "",
            "< 150 MB",
            rss * 2**20 < 150e6,
        ),
    ]
