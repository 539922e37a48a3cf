"""In ``possibles demo`` data, an initiative's Atom feed tells its evolution
from the proposal to the action: goal reached, the official's response, in
action, achieved, with the author's news along the way."""

from __future__ import annotations

import feedparser
from starlette.testclient import TestClient

from bots.web.app import build_app
from core.bootstrap import Runtime
from core.config import Settings
from core.demo import seed_demo
from core.services import browse
from core.storage.database import Database


def test_the_achieved_demo_initiative_feed_goes_from_proposal_to_achieved(
    database: Database, settings: Settings
) -> None:
    seed_demo(database, settings)
    runtime = Runtime(settings, database)
    found = browse.browse_words(runtime.uow(), "composteur partagé")
    (compost,) = [item for item in found.items if item.status == "achieved"]
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    response = client.get(f"/i/{compost.id}/feed.atom?lang=en")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    story = [entry.title for entry in reversed(feed.entries)]  # oldest first
    milestones = [
        "Proposed by Léa",
        "Goal reached",
        "Response from Noa, Président du département du Rhône: supports it",
        "Status: answered",
        "Status: in action",
        "Status: achieved",
    ]
    assert [title for title in story if title in milestones] == milestones, story
    assert story.count("News from Léa") == 3
    assert story[-1] in ("Status: achieved", "News from Léa")
    news = [e for e in feed.entries if e.title == "News from Léa"]
    assert "Trois composteurs sont installés" in news[0].summary
