"""Atom and RSS feeds (notifications.feeds), read back by feedparser."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest

from core.bootstrap import Runtime
from core.errors import InvalidInput, NotFound
from core.services import admin, contributions, moderation
from notifications import feeds
from notifications.feeds import Feed, FeedFormat
from tests.support import Clock, People, propose


def parsed(runtime: Runtime, feed: Feed, fmt: FeedFormat) -> Any:
    document = feeds.render(feed, fmt, runtime.settings)
    result = feedparser.parse(document.body)
    assert not result.bozo, result.get("bozo_exception")
    assert result.version == ("atom10" if fmt is FeedFormat.ATOM else "rss20")
    return result


def titles(result: Any) -> list[str]:
    return [entry.title for entry in result.entries]


def hide(runtime: Runtime, people: People, target_type: str, target_id: int) -> None:
    """Three distinct reports hide content pending review."""
    for name in ("rita", "ravi", "rosa"):
        moderation.report(
            runtime.uow(), people[name].member_id, target_type, target_id, "spam", None, runtime.settings
        )


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_an_initiative_feed_tells_its_story_newest_first(
    runtime: Runtime, people: People, clock: Clock, fmt: FeedFormat
) -> None:
    initiative_id = propose(people, "alice", "Trees on the village square")
    clock.advance(hours=1)
    people["bob"].say(f"/comment {initiative_id} Think of drought-proof trees")
    clock.advance(hours=1)
    people["alice"].say(f"/post {initiative_id} We met the city gardeners")
    result = parsed(runtime, feeds.initiative_feed(runtime.uow(), initiative_id, runtime.settings, "en"), fmt)
    assert result.feed.title == f"#{initiative_id} · Trees on the village square"
    assert titles(result) == ["News from alice", "Comment by bob", "Proposed by alice"]
    news = result.entries[0]
    assert "We met the city gardeners" in (news.get("summary") or news.content[0].value)
    assert news.link == f"{runtime.settings.public_base_url.rstrip('/')}/i/{initiative_id}"
    assert len({entry.id for entry in result.entries}) == 3


def test_a_hidden_post_disappears_from_its_feed_and_a_hidden_initiative_has_none(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")
    alice = people["alice"].member_id
    kept = contributions.post_news(runtime.uow(), alice, initiative_id, "Spades on Monday", runtime.settings)
    clock.advance(minutes=5)
    spam = contributions.post_news(
        runtime.uow(), alice, initiative_id, "Cheap watches here", runtime.settings
    )

    def texts() -> str:
        feed = feeds.initiative_feed(runtime.uow(), initiative_id, runtime.settings, "en")
        body = feeds.render(feed, FeedFormat.ATOM, runtime.settings).body.decode()
        assert not feedparser.parse(body).bozo
        return body

    assert "Cheap watches here" in texts()
    hide(runtime, people, "post", spam.post_id)
    after = texts()
    assert "Cheap watches here" not in after and "Spades on Monday" in after
    assert kept.post_id != spam.post_id
    hide(runtime, people, "initiative", initiative_id)
    with pytest.raises(NotFound):
        feeds.initiative_feed(runtime.uow(), initiative_id, runtime.settings, "en")
    # Nor is it listed any more.
    listed = feeds.new_initiatives_feed(runtime.uow(), runtime.settings, "en")
    assert [e.link for e in listed.entries if e.link.endswith(f"/i/{initiative_id}")] == []


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_area_feeds_include_sub_areas_and_topic_feeds_their_topic(
    runtime: Runtime, people: People, clock: Clock, fmt: FeedFormat
) -> None:
    lyon = propose(people, "alice", "Trees on the village square", area="Lyon")
    clock.advance(minutes=1)
    paris = propose(people, "bob", "Benches along the river Seine", area="Paris")
    with runtime.uow() as uow:
        from core.services.areas import find_area

        rhone, region, nation = (find_area(uow, code).id for code in ("69", "R84", "FR"))
    for area_id, expected in ((rhone, [lyon]), (region, [lyon]), (nation, [paris, lyon])):
        assert area_id is not None
        result = parsed(runtime, feeds.area_feed(runtime.uow(), area_id, runtime.settings, "en"), fmt)
        assert [entry.link.rsplit("/", 1)[1] for entry in result.entries] == [str(i) for i in expected]
    topic = parsed(runtime, feeds.topic_feed(runtime.uow(), "Environment", runtime.settings, "fr"), fmt)
    assert topic.feed.title == "Initiatives · Environnement"
    assert len(topic.entries) == 2
    housing = feeds.topic_feed(runtime.uow(), "housing", runtime.settings, "en")
    assert len(parsed(runtime, housing, fmt).entries) == 0
    with pytest.raises(InvalidInput):
        feeds.topic_feed(runtime.uow(), "no such topic", runtime.settings, "en")
    with pytest.raises(NotFound):
        feeds.area_feed(runtime.uow(), 10_000, runtime.settings, "en")


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_the_moderation_feed_says_decision_reason_and_date_never_who(
    runtime: Runtime, people: People, fmt: FeedFormat
) -> None:
    initiative_id = propose(people, "alice")
    admin.grant_role(runtime.uow(), people["zelda"].member_id, "moderator")
    hide(runtime, people, "initiative", initiative_id)
    item = moderation.queue(runtime.uow(), people["zelda"].member_id).entries[0]
    moderator = people["zelda"].member_id
    moderation.decide(runtime.uow(), moderator, item.item_id, "remove", "spam", runtime.settings)
    result = parsed(runtime, feeds.moderation_feed(runtime.uow(), runtime.settings, "en"), fmt)
    assert titles(result) == [f"Decision on initiative #{initiative_id}: removed"]
    body = feeds.render(
        feeds.moderation_feed(runtime.uow(), runtime.settings, "en"), fmt, runtime.settings
    ).body.decode()
    for name in ("rita", "ravi", "rosa", "zelda", "alice"):
        assert name not in body


def test_a_feed_is_the_same_document_until_something_changes(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    initiative_id = propose(people, "alice")

    def body() -> bytes:
        feed = feeds.initiative_feed(runtime.uow(), initiative_id, runtime.settings, "en")
        return feeds.render(feed, FeedFormat.ATOM, runtime.settings).body

    first = body()
    clock.advance(minutes=10)
    assert body() == first
    people["bob"].say(f"/comment {initiative_id} Count me in for the digging")
    assert body() != first
    empty = feeds.render(
        feeds.moderation_feed(runtime.uow(), runtime.settings, "en"), FeedFormat.RSS, runtime.settings
    )
    assert empty.body == feeds.render(
        feeds.moderation_feed(runtime.uow(), runtime.settings, "en"), FeedFormat.RSS, runtime.settings
    ).body


def test_every_status_an_initiative_went_through_is_an_entry(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    from core.services import initiatives

    initiative_id = propose(people, "alice")
    alice = people["alice"].member_id
    clock.advance(days=1)
    initiatives.progress(runtime.uow(), alice, initiative_id, "in_action")
    clock.advance(days=1)
    initiatives.progress(runtime.uow(), alice, initiative_id, "achieved")
    feed = feeds.initiative_feed(runtime.uow(), initiative_id, runtime.settings, "en")
    result = parsed(runtime, feed, FeedFormat.ATOM)
    assert titles(result) == ["Status: achieved", "Status: in action", "Proposed by alice"]
    assert len({entry.id for entry in result.entries}) == 3
