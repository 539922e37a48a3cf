"""The wheel installs and runs outside the checkout: built from a copy of the
sources, installed with its dependencies into a fresh virtual environment (no
system site-packages, no PYTHONPATH), then `possibles areas search lyon` and
a short piped `possibles chat` run from an empty temporary directory. So the
shipped defaults, areas and word lists must come from the installed package.

Slow on purpose (a build, a virtual environment and the dependencies'
install: a minute or more): it is marked ``wheel``, and ``-m "not wheel"``
leaves it out of a quick run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Generous bounds for a busy CI machine; each step normally takes seconds.
BUILD_SECONDS = 600
INSTALL_SECONDS = 900
RUN_SECONDS = 180

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(BUILD_SECONDS + INSTALL_SECONDS + 3 * RUN_SECONDS)]


def _run(
    args: list[str], *, cwd: Path, timeout: int, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=cwd, timeout=timeout, env=env, input=input, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def _outside_env(home: Path) -> dict[str, str]:
    """The environment without anything that points back at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "POSSIBLES_", "VIRTUAL_ENV"))}
    env["HOME"] = str(home)
    env["POSSIBLES_LOG_LEVEL"] = "WARNING"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtual environment with the wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    sources = base / "sources"
    shutil.copytree(
        ROOT,
        sources,
        ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "*.egg-info", "build", "dist", "*.db", "*.db-*", ".*_cache", ".venv"
        ),
    )
    dist = base / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(sources)],
        cwd=base,
        timeout=BUILD_SECONDS,
    )
    (wheel,) = dist.glob("possibles-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base, timeout=RUN_SECONDS)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        cwd=base,
        timeout=INSTALL_SECONDS,
        env=_outside_env(base),
    )
    return venv / "bin"


def test_the_installed_package_finds_its_defaults_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    env = _outside_env(tmp_path)
    where = _run(
        [str(installed / "python"), "-c", "import core, config; print(core.__file__, config.__file__)"],
        cwd=tmp_path,
        timeout=RUN_SECONDS,
        env=env,
    )
    for line in where.stdout.split():
        assert "site-packages" in line and not line.startswith(str(ROOT)), line

    found = _run(
        [str(installed / "possibles"), "areas", "search", "lyon"], cwd=tmp_path, timeout=RUN_SECONDS, env=env
    )
    assert "69123" in found.stdout and "Lyon" in found.stdout
    assert (tmp_path / "possibles.db").is_file()  # in the working directory, as the README says

    chat = _run(
        [str(installed / "possibles"), "chat", "--as", "alice", "--lang", "en"],
        cwd=tmp_path,
        timeout=RUN_SECONDS,
        env=env,
        input="/area 69001\n2\n/search saint etienne\n/quit\n",
    )
    assert "Your area is now Lyon." in chat.stdout, chat.stdout
    assert "“saint etienne”" in chat.stdout, chat.stdout
    assert "Traceback" not in chat.stdout + chat.stderr
