"""The web's data side: feeds with their validators, the open-data exports
(OSDI petitions, CSV, Popolo), /healthz and /metrics."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping
from typing import Any

import feedparser
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from bots.metrics import update_handled
from bots.web import export
from bots.web.app import build_app
from bots.web.ratelimit import TokenBuckets
from bots.web.webhook import MAX_BODY, webhook_routes
from core.bootstrap import Runtime
from core.services import admin, moderation
from core.storage.database import Database
from tests.support import Clock, People, is_error, propose


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(build_app(runtime), raise_server_exceptions=False)


def hide(runtime: Runtime, people: People, target_type: str, target_id: int) -> None:
    for name in ("rita", "ravi", "rosa"):
        reporter = people[name].member_id
        moderation.report(runtime.uow(), reporter, target_type, target_id, "spam", None, runtime.settings)


# --- feeds ------------------------------------------------------------------------


def test_every_feed_answers_in_both_formats_and_parses(
    client: TestClient, runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice", "Trees on the village square")
    with runtime.uow() as uow:
        from core.services.areas import find_area

        rhone = find_area(uow, "69").id
    paths = (f"/i/{initiative_id}/feed", f"/a/{rhone}/feed", "/t/environment/feed")
    paths += ("/feed", "/moderation/feed")
    for path in paths:
        for fmt, media_type in (("atom", "application/atom+xml"), ("rss", "application/rss+xml")):
            response = client.get(f"{path}.{fmt}?lang=en")
            assert response.status_code == 200, (path, fmt)
            assert response.headers["content-type"].startswith(media_type)
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (path, fmt, parsed.get("bozo_exception"))
    story = feedparser.parse(client.get(f"/i/{initiative_id}/feed.atom?lang=fr").content)
    assert story.feed.language == "fr" and story.entries[0].title == "Proposée par alice"
    assert story.feed.links[0].href.endswith(f"/i/{initiative_id}")


def test_unknown_or_hidden_things_have_no_feed(client: TestClient, runtime: Runtime, people: People) -> None:
    initiative_id = propose(people, "alice")
    for path in (
        "/i/999/feed.atom",
        f"/i/{initiative_id}/feed.json",
        "/i/0/feed.atom",
        "/i/99999999999999999999999/feed.atom",
        "/a/999/feed.rss",
        "/t/nothing/feed.atom",
        "/feed.xml",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/i/{initiative_id}/feed.atom").status_code == 200
    hide(runtime, people, "initiative", initiative_id)
    assert client.get(f"/i/{initiative_id}/feed.atom").status_code == 404


def test_a_repeated_request_gets_304_until_the_feed_changes(
    client: TestClient, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    url = f"/i/{initiative_id}/feed.atom?lang=en"
    first = client.get(url)
    tag = first.headers["etag"]
    assert "last-modified" not in first.headers  # bots.web.conditional: entries can go, dates do not tell
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(url, headers={"If-None-Match": f'W/{tag}, "other"'}).status_code == 304
    clock.advance(minutes=5)
    people["bob"].say(f"/comment {initiative_id} Count me in for the digging")
    changed = client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert "Count me in for the digging" in changed.text


def test_a_hidden_post_disappears_from_the_served_feed(
    client: TestClient, runtime: Runtime, people: People
) -> None:
    initiative_id = propose(people, "alice")
    people["alice"].say(f"/post {initiative_id} Cheap watches, write to me")
    url = f"/i/{initiative_id}/feed.rss?lang=en"
    before = client.get(url)
    assert "Cheap watches" in before.text
    with runtime.uow() as uow:
        from sqlalchemy import select

        from core.storage import tables

        post_id = int(uow.session.scalar(select(tables.posts.c.id)) or 0)
    hide(runtime, people, "post", post_id)
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "Cheap watches" not in after.text
    # A reader that asks by date alone gets it too: a feed's dates do not move when an entry goes.
    dated = client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert dated.status_code == 200 and "Cheap watches" not in dated.text
    assert [e.title for e in feedparser.parse(after.content).entries] == ["Proposed by alice"]


# --- open data --------------------------------------------------------------------


def test_the_json_export_is_osdi_petitions(client: TestClient, runtime: Runtime, people: People) -> None:
    lyon = propose(people, "alice", "Trees on the village square")
    hidden = propose(people, "carol", "Cheap watches for everybody here")
    hide(runtime, people, "initiative", hidden)
    admin.verify_official(runtime.uow(), people["sacha"].member_id, "69123", "Maire de Lyon")
    people["bob"].say(f"/join {lyon}")
    response = client.get("/export/initiatives.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/hal+json")
    document: dict[str, Any] = response.json()
    petitions = document["_embedded"]["osdi:petitions"]
    assert document["total_records"] == len(petitions) == 1
    (petition,) = petitions
    # Every field is an OSDI petition field, or an extension under our prefix.
    for name in petition:
        assert name in export.OSDI_FIELDS or name.startswith("possibles:"), name
    assert set(export.OSDI_FIELDS) <= set(petition)
    assert petition["title"] == "Trees on the village square"
    assert petition["total_signatures"] == 2
    assert petition["target"] == [{"name": "sacha, Maire de Lyon"}]
    assert petition["identifiers"] == [f"possibles:{lyon}"]
    assert petition["possibles:status"] == "open"
    assert petition["created_date"].endswith("Z") and petition["browser_url"].endswith(f"/i/{lyon}")


def test_the_csv_export_has_a_row_per_initiative_and_no_formulas(client: TestClient, people: People) -> None:
    propose(people, "alice", '=HYPERLINK("http://evil") trees')
    response = client.get("/export/initiatives.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil") trees'


def test_officials_and_mandates_as_popolo(client: TestClient, runtime: Runtime, people: People) -> None:
    admin.verify_official(runtime.uow(), people["sacha"].member_id, "69123", "Maire de Lyon")
    admin.verify_official(runtime.uow(), people["old"].member_id, "69123", "Maire de Lyon")
    admin.unverify_official(runtime.uow(), people["old"].member_id)
    popolo = client.get("/export/officials.popolo.json").json()
    assert {p["name"] for p in popolo["persons"]} == {"sacha", "old"}
    assert [(p["label"], p["area_id"]) for p in popolo["posts"]] == [("Maire de Lyon", "area/69123")]
    persons = {p["id"] for p in popolo["persons"]}
    posts = {p["id"] for p in popolo["posts"]}
    areas = {a["id"] for a in popolo["areas"]}
    assert len(popolo["memberships"]) == 2
    for membership in popolo["memberships"]:
        assert membership["person_id"] in persons and membership["post_id"] in posts
        assert membership["area_id"] in areas and len(membership["start_date"]) == 10
    ended = [m for m in popolo["memberships"] if "end_date" in m]
    assert len(ended) == 1


def test_an_export_follows_its_body_not_a_date(client: TestClient, runtime: Runtime, people: People) -> None:
    """An official whose mandate had ended erases their account: no date of the export moves, its
    body does. It carries an ETag alone, so no client keeps the copy with their name."""
    admin.verify_official(runtime.uow(), people["old"].member_id, "69123", "Maire de Lyon")
    admin.unverify_official(runtime.uow(), people["old"].member_id)
    url = "/export/officials.popolo.json"
    first = client.get(url)
    assert "last-modified" not in first.headers and "old" in {p["name"] for p in first.json()["persons"]}
    tag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}).status_code == 200
    people["old"].say("/forget")
    assert not is_error(people["old"].press("Erase everything"))
    after = client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.json()["persons"] == []
    for path in ("/export/initiatives.json", "/export/initiatives.csv"):
        assert "last-modified" not in client.get(path).headers, path


def test_exports_are_rate_limited_per_client(client: TestClient) -> None:
    answers = [client.get("/export/initiatives.csv").status_code for _ in range(export.EXPORT_BURST + 1)]
    assert answers == [200] * export.EXPORT_BURST + [429]
    refused = client.get("/export/officials.popolo.json")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_a_token_bucket_refills_with_time() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=0.5, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(2.0)
    assert buckets.take("b") == 0.0  # each client its own bucket
    now[0] = 2.0
    assert buckets.take("a") == 0.0


# --- health and metrics -----------------------------------------------------------


def test_healthz_says_whether_the_database_answers(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/healthz").text == "ok\n"
    # A database file in a folder that does not exist: SQLite cannot open it.
    unreachable = Database("sqlite:////nonexistent/folder/possibles.db")
    broken = Runtime(runtime.settings, unreachable, runtime.clock)
    down = TestClient(build_app(broken), raise_server_exceptions=False).get("/healthz")
    assert down.status_code == 503


def test_metrics_are_prometheus_text_with_the_figures(
    client: TestClient, runtime: Runtime, people: People
) -> None:
    hidden = propose(people, "carol", "Cheap watches for everybody here")
    hide(runtime, people, "initiative", hidden)
    update_handled("telegram")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(response.text))
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }
    assert samples[("possibles_review_queue_items", ())] == 1
    assert samples[("possibles_digest_lag_seconds", ())] == 0
    assert samples[("possibles_updates_handled_total", (("platform", "telegram"),))] >= 1
    assert "possibles_deliveries" in {family.name for family in families}


# --- webhooks ---------------------------------------------------------------------


class _Hook:
    """A receiver that accepts one secret and records what it handled."""

    path = "/hooks/test"

    def __init__(self) -> None:
        self.handled: list[bytes] = []

    def authorised(self, headers: Mapping[str, str]) -> bool:
        return headers.get("X-Secret") == "s3cret"

    async def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        if not self.authorised(headers):
            return 403
        self.handled.append(body)
        return 200


def test_a_webhook_route_answers_with_its_receivers_status(runtime: Runtime) -> None:
    hook = _Hook()
    app = build_app(runtime, extra_routes=webhook_routes([hook]))
    client = TestClient(app, raise_server_exceptions=False)
    assert client.post(hook.path, content=b"{}", headers={"X-Secret": "nope"}).status_code == 403
    assert hook.handled == []
    assert client.post(hook.path, content=b"{}", headers={"X-Secret": "s3cret"}).status_code == 200
    assert hook.handled == [b"{}"]
    too_big = b"x" * (MAX_BODY + 1)
    assert client.post(hook.path, content=too_big, headers={"X-Secret": "s3cret"}).status_code == 413
    assert client.get(hook.path).status_code == 405
    assert hook.handled == [b"{}"]


def test_a_webhook_request_without_the_secret_is_refused_before_its_body_is_read(runtime: Runtime) -> None:
    hook = _Hook()
    app = build_app(runtime, extra_routes=webhook_routes([hook]))
    too_big = b"x" * (MAX_BODY + 1)
    client = TestClient(app, raise_server_exceptions=False)
    # The headers are checked first: a wrong secret is 403, not the body's 413.
    assert client.post(hook.path, content=too_big, headers={"X-Secret": "nope"}).status_code == 403

    async def post(secret: bytes) -> tuple[int, int]:
        """POST through the ASGI interface: the status, and how many times the
        app pulled the request's body."""
        pulled = 0
        statuses: list[int] = []

        async def receive() -> dict[str, object]:
            nonlocal pulled
            pulled += 1
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: Mapping[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(int(str(message["status"])))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": hook.path,
            "raw_path": hook.path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"x-secret", secret), (b"content-length", b"2"), (b"host", b"testserver")],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, receive, send)
        return statuses[0], pulled

    assert asyncio.run(post(b"nope")) == (403, 0)
    assert hook.handled == []
    status, pulled = asyncio.run(post(b"s3cret"))
    assert status == 200 and pulled >= 1 and hook.handled == [b"{}"]
