"""Driving the real ``possibles`` command through a pipe, as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["possibles"]


def possibles(
    *args: str, cwd: Path, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``possibles ARGS`` in ``cwd`` with ``stdin`` piped in; fails the
    test with the process's output when it exits non-zero."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env["PYTHONUTF8"] = "1"
    env["POSSIBLES_WEB__PORT"] = "0"  # the web pages on any free port: runs side by side
    result = subprocess.run(
        [sys.executable, "-c", "from bots.cli import main; main()", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result
