"""Webhook mode with two ``possibles run --only telegram`` workers on one
port (SO_REUSEPORT), as subprocesses against the fake Bot API server: both
listen, updates are answered, and when one worker stops the other goes on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.fakes.telegram import FakeTelegram, FakeTelegramThread


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker(tmp_path: Path, tg: FakeTelegram, port: int, name: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env.update(
        tg.env(),
        PYTHONUTF8="1",
        POSSIBLES_LOG_LEVEL="INFO",
        POSSIBLES_WEB__PORT=str(port),
        POSSIBLES_TELEGRAM__WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bots.cli import main; main()",
            "run",
            "--only",
            "telegram",
            "--database",
            f"sqlite:///{tmp_path / 'possibles.db'}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=(tmp_path / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_webhook_workers_share_one_port(tmp_path: Path) -> None:
    port = _free_port()
    with FakeTelegramThread() as tg:
        first = _worker(tmp_path, tg, port, "first")
        second: subprocess.Popen[bytes] | None = None
        try:

            def logs() -> str:
                return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("*.log")))

            def wait(predicate: object, timeout: float = 60) -> None:
                try:
                    tg.wait_for_sync(predicate, timeout)  # type: ignore[arg-type]
                except TimeoutError:
                    raise AssertionError(f"timed out; the workers said:\n{logs()[-4000:]}") from None

            wait(lambda: tg.webhook.get("url", "").endswith("/telegram/hook") and _healthy(port))
            second = _worker(tmp_path, tg, port, "second")
            wait(lambda: "webhooks at" in (tmp_path / "second.log").read_text(errors="replace"))
            assert second.poll() is None, logs()  # it listens on the same port
            assert "web pages at" not in logs()  # --only telegram: the webhook, not the pages
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 404

            tg.user_sends(42, "/start", language_code="en")
            wait(lambda: len(tg.texts(42)) == 1)
            assert "Welcome" in tg.texts(42)[0]

            first.send_signal(signal.SIGTERM)
            assert first.wait(30) == 0
            tg.user_sends(43, "/start", language_code="en")  # the second worker takes it
            wait(lambda: len(tg.texts(43)) == 1)
            assert len(tg.texts(42)) == 1  # nothing twice
            assert second.poll() is None
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(10)
