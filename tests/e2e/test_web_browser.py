"""A real browser on the public pages: headless Chromium (Debian's package)
driven by Playwright loads the pages that ``possibles web`` serves on
loopback, reads what a visitor reads, checks that a member's ``<script>``
title never runs, runs axe-core on every page type (no serious or critical
violation), takes a screenshot, and fails on any console error.

When Chromium is absent (a developer machine) the test is skipped, saying
why; CI installs it (.ci/run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy import select

from core.bootstrap import Runtime
from core.config import GoalSettings, LimitSettings, Settings
from core.services import admin, contributions, initiatives, moderation
from core.services.initiatives import Proposal
from core.storage import tables
from tests.support import People, is_error, load_small_tree, text_of

CHROMIUM = os.environ.get("POSSIBLES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; CI installs it in .ci/run)",
)

ROOT = Path(__file__).resolve().parents[2]
#: Chromium as a test wants it: no GPU, no sandbox (root in CI), nothing fetched in the background.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LYON = "69123"
SCRIPT_TITLE = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2> Trees"
#: How long ``possibles web`` may take to start on a busy machine.
WAIT_SECONDS = 60


@dataclass
class World:
    trees: int
    script: int
    removed: int
    mayor: int
    lyon: int


def _settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        goals=GoalSettings(commune=3),
        limits=LimitSettings(proposals_per_day=10),
    )


def _seed(runtime: Runtime) -> World:
    """Through the same use cases the chat calls: an initiative that reached
    its goal and was answered (then the answer edited), a counter-proposal,
    a hidden comment, an initiative with a script for a title, a removed one."""
    people = People(runtime.chat())
    with runtime.uow() as uow:
        lyon = int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == LYON)))

    def publish(author: str, title: str, counter_to: int | None = None) -> int:
        description = "Plant ten lime trees for shade in summer."
        proposal = Proposal(title, description, lyon, "environment", counter_to)
        return initiatives.propose(runtime.uow(), people[author].member_id, proposal, runtime.settings)

    trees = publish("alice", "Trees on the village square")
    for name in ("sam", "tess"):
        assert not is_error(people[name].say(f"/join {trees}"))
    invite = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon")
    assert not is_error(people["mayor"].say(f"/claim {invite.code}"))
    for position, text in (("will study", "We will look at it."), ("I support", "Planting in May.")):
        people["mayor"].say(f"/respond {trees}")
        people["mayor"].press(position)
        people["mayor"].say(text)
        assert "Publish" in text_of(people["mayor"].last)
        people["mayor"].press("Publish")
    contributions.comment(runtime.uow(), people["bob"].member_id, trees, "Count me in!", runtime.settings)
    spam = contributions.comment(
        runtime.uow(), people["bob"].member_id, trees, "Buy cheap watches now", runtime.settings
    )
    publish("carol", "Rather a park behind the station", counter_to=trees)
    script = publish("eve", SCRIPT_TITLE)
    removed = publish("dave", "Benches that were reported")
    for target in (f"v1:r:c:{spam}", f"v1:r:i:{removed}"):
        for who in ("Rita", "Remi", "Rose"):
            people[who].press_payload(target)
            people[who].press("Spam")
            people[who].press("No note")
    moderator = people["Mona"].member_id
    admin.grant_role(runtime.uow(), moderator, "moderator")
    r = tables.review_items.c
    with runtime.uow() as uow:
        item = uow.session.scalar(select(r.id).where(r.target_type == "initiative", r.target_id == removed))
    moderation.decide(runtime.uow(), moderator, int(item), "remove", "spam", runtime.settings)
    return World(trees=trees, script=script, removed=removed, mayor=people["mayor"].member_id, lyon=lyon)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """``possibles web`` on a seeded SQLite file, on a free loopback port."""
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'web.db'}"
    runtime = Runtime.open(_settings(url))
    runtime.prepare(load_areas=False)
    load_small_tree(runtime)
    world = _seed(runtime)
    runtime.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSSIBLES_")}
    env.update(
        PYTHONUTF8="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        POSSIBLES_GOALS__COMMUNE="3",
        POSSIBLES_DEFAULT_LANGUAGE="en",
    )
    log = (folder / "web.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "web", "--port", "0", "--database", url],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        address = None
        while address is None:
            log.seek(0)
            found = re.search(r"web pages at (http://127\.0\.0\.1:\d+)", log.read())
            if found:
                address = found.group(1)
            elif process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"possibles web did not start: {log.read()[-3000:]}")
            else:
                time.sleep(0.1)
        yield address, world
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


class Visit:
    """One page in a fresh context, every console error and page error kept."""

    def __init__(self, browser: Browser, base: str, width: int = 390) -> None:
        self.context = browser.new_context(
            base_url=base, viewport={"width": width, "height": 844}, locale="en-GB"
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, path: str, status: int = 200) -> Page:
        response = self.page.goto(path, wait_until="load")
        assert response is not None and response.status == status, (path, response and response.status)
        if status != 200:
            # Chromium logs the error status of a page opened for it: that
            # line is expected once, any other error is not.
            said = f"Failed to load resource: the server responded with a status of {status}"
            expected = [e for e in self.errors if e.startswith(said)]
            assert len(expected) == 1, (path, self.errors)
            self.errors.remove(expected[0])
        return self.page

    def close(self) -> None:
        self.context.close()


def test_an_initiative_page_in_a_real_browser(
    served: tuple[str, World], browser: Browser, tmp_path: Path
) -> None:
    base, world = served
    visit = Visit(browser, base)
    page = visit.open(f"/i/{world.trees}")
    assert page.locator("h1").inner_text() == "Trees on the village square"
    assert page.locator("#supporters").get_attribute("data-count") == "3"
    assert page.locator("#supporters").inner_text() == "3 supporters"
    assert page.title() == "Trees on the village square · possibles"
    body = page.locator("main").inner_text()
    assert "Planting in May." in body and "1 earlier version" in body  # the answer as it stands
    revisions = page.locator("details")
    assert "We will look at it." not in revisions.inner_text()  # folded...
    revisions.locator("summary").click()
    assert "We will look at it." in revisions.inner_text()  # ...and unfolded without any script
    assert "Buy cheap watches" not in body and "Hidden pending the moderators' review." in body
    shot = tmp_path / "initiative.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # Reachable with the keyboard: the first Tab lands on the skip link.
    page = visit.open(f"/i/{world.trees}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    visit.close()
    assert visit.errors == []


def test_a_script_in_a_title_is_shown_never_run(served: tuple[str, World], browser: Browser) -> None:
    base, world = served
    visit = Visit(browser, base)
    page = visit.open(f"/i/{world.script}")
    assert page.locator("h1").inner_text() == SCRIPT_TITLE
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main script").count() == 0
    page = visit.open("/")
    assert SCRIPT_TITLE in page.locator("main").inner_text()
    assert page.evaluate("window.__pwned") is None
    visit.close()
    assert visit.errors == []


def _pages(world: World) -> list[tuple[str, int]]:
    return [
        ("/", 200),
        ("/?lang=fr", 200),
        ("/areas?q=lyon", 200),
        ("/t/environment", 200),
        (f"/i/{world.trees}", 200),
        (f"/i/{world.trees}?lang=fr", 200),
        (f"/i/{world.removed}", 410),
        (f"/a/{world.lyon}", 200),
        (f"/officials/{world.mayor}", 200),
        ("/leaderboards?period=all", 200),
        ("/moderation", 200),
        ("/i/999999", 404),
        ("/i/abc", 400),
    ]


@pytest.mark.timeout(900)  # 26 pages analysed: minutes on a loaded machine
def test_every_page_type_passes_axe_with_no_serious_violation(
    served: tuple[str, World], browser: Browser
) -> None:
    base, world = served
    axe = Axe()
    problems: dict[str, list[str]] = {}
    for width in (390, 1280):  # a phone, then a desktop
        visit = Visit(browser, base, width)
        for path, status in _pages(world):
            page = visit.open(path, status)
            results = axe.run(page)
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[f"{path} @{width}px"] = serious
        visit.close()
        assert visit.errors == [], visit.errors
    assert problems == {}
    # axe does run under the pages' Content-Security-Policy: an image without
    # a text alternative, added to a page, is caught.
    visit = Visit(browser, base)
    page = visit.open("/")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    caught = {v["id"] for v in axe.run(page).response["violations"]}
    assert "image-alt" in caught
    visit.close()
