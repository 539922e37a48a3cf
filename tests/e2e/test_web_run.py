"""``possibles run`` serves the public pages beside the terminal chat, in the
same process and event loop: what is proposed in the chat is on the web at
the address the Share button gives, and /quit stops both; a port already
taken stops the start with one clear line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90
PROPOSE = "".join(
    f"{line}\n"
    for line in (
        "/propose",
        "Trees on the village square",
        "The square is scorching in summer: plant ten lime trees.",
        "rhone",
        "1",  # the first area found: Rhône
        "1",  # the first topic
        "1",  # Publish
    )
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env.update(
        PYTHONUTF8="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        POSSIBLES_WEB__PORT="0",
    )
    return env


def test_run_serves_the_pages_beside_the_terminal_chat(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "run", "--as", "alice", "--lang", "en"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_env(),
        text=True,
    )
    assert process.stdin is not None and process.stderr is not None and process.stdout is not None
    said: list[str] = []
    threading.Thread(target=lambda: said.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    heard: list[str] = []
    threading.Thread(target=lambda: heard.extend(process.stdout), daemon=True).start()  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        address = None
        while address is None:
            found = re.search(r"web pages at (http://127\.0\.0\.1:\d+)", "".join(said))
            if found:
                address = found.group(1)
            else:
                assert process.poll() is None and time.monotonic() < deadline, "".join(said)[-2000:]
                time.sleep(0.1)
        home = httpx.get(f"{address}/?lang=en", timeout=30)
        assert home.status_code == 200 and "Initiatives near you" in home.text
        assert home.headers["content-security-policy"].startswith("default-src 'none'")
        assert httpx.get(f"{address}/i/1", timeout=30).status_code == 404  # nothing proposed yet
        process.stdin.write(PROPOSE)
        process.stdin.flush()
        while "#1 · Trees on the village square" not in "".join(heard):  # published
            assert process.poll() is None and time.monotonic() < deadline, "".join(heard)[-2000:]
            time.sleep(0.1)
        page = httpx.get(f"{address}/i/1?lang=en", timeout=30)
        assert page.status_code == 200 and "Trees on the village square" in page.text
        process.stdin.write("/quit\n")
        process.stdin.flush()
        assert process.wait(timeout=60) == 0, "".join(said)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in "".join(said)


def test_a_taken_port_stops_the_start_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bots.cli", "web", "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=_env(),
            timeout=120,
        )
    assert result.returncode == 1
    assert f"the web pages cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
