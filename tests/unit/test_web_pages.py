"""The public pages, read by someone nobody knows: every page answers for
what exists, 404 for what does not, 400 for a malformed address; hidden or
removed content shows as such without its text; member text is escaped."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import select
from starlette.testclient import TestClient

from bots.web.app import build_app
from core.bootstrap import Runtime
from core.config import DiscordSettings, GoalSettings, LimitSettings, Settings, TelegramSettings, WebSettings
from core.services import admin, contributions, initiatives
from core.services.initiatives import Proposal
from core.storage import tables
from tests.support import People, is_error, text_of

LYON = "69123"
SCRIPT_TITLE = "<script>document.title='pwned'</script> Trees & shade"


@pytest.fixture
def settings() -> Settings:
    """A commune goal of 3 (reached in two joins), room for a few proposals,
    a Telegram bot and a Discord server to join through."""
    from pydantic import SecretStr

    return Settings(
        goals=GoalSettings(commune=3),
        limits=LimitSettings(proposals_per_day=10),
        telegram=TelegramSettings(token=SecretStr("1:x"), bot_username="possibles_bot"),
        discord=DiscordSettings(token=SecretStr("x")),
        web=WebSettings(discord_invite_url="https://discord.gg/example"),
        public_base_url="https://possibles.example/",
    )


def area_id(runtime: Runtime, code: str) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(tables.areas.c.id).where(tables.areas.c.code == code)))


def publish(runtime: Runtime, people: People, author: str, title: str, counter_to: int | None = None) -> int:
    proposal = Proposal(
        title, "Plant ten lime trees for shade in summer.", area_id(runtime, LYON), "environment", counter_to
    )
    return initiatives.propose(runtime.uow(), people[author].member_id, proposal, runtime.settings)


def report_thrice(people: People, payload: str) -> None:
    """Three distinct reports hide the content until a moderator decides."""
    for who in ("Rita", "Remi", "Rose"):
        people[who].press_payload(payload)
        people[who].press("Spam")
        people[who].press("No note")


@dataclass
class World:
    trees: int
    counter: int
    hidden: int
    script: int
    mayor: int
    visible_comment: int
    hidden_comment: int
    lyon: int


@pytest.fixture
def world(runtime: Runtime, people: People) -> World:
    trees = publish(runtime, people, "alice", "Trees on the village square")
    for name in ("sam", "tess"):
        assert not is_error(people[name].say(f"/join {trees}"))
    invite = admin.create_invite(runtime.uow(), LYON, "Maire de Lyon")
    assert not is_error(people["mayor"].say(f"/claim {invite.code}"))
    answers = (("will study", "We will look at it."), ("I support", "We will plant them in May."))
    for position, text in answers:
        people["mayor"].say(f"/respond {trees}")
        people["mayor"].press(position)
        people["mayor"].say(text)
        assert "Publish" in text_of(people["mayor"].last)
        people["mayor"].press("Publish")
    settings = runtime.settings
    visible = contributions.comment(
        runtime.uow(), people["bob"].member_id, trees, "Great idea, count me in", settings
    )
    hidden_comment = contributions.comment(
        runtime.uow(), people["bob"].member_id, trees, "Secret spam text buy watches", settings
    )
    report_thrice(people, f"v1:r:c:{hidden_comment}")
    counter = publish(runtime, people, "carol", "Rather a park behind the station", counter_to=trees)
    hidden = publish(runtime, people, "dave", "Hidden proposal about benches")
    report_thrice(people, f"v1:r:i:{hidden}")
    script = publish(runtime, people, "eve", SCRIPT_TITLE)
    return World(
        trees=trees,
        counter=counter,
        hidden=hidden,
        script=script,
        mayor=people["mayor"].member_id,
        visible_comment=visible,
        hidden_comment=hidden_comment,
        lyon=area_id(runtime, LYON),
    )


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(build_app(runtime), raise_server_exceptions=False)


def get(client: TestClient, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == status, (path, response.status_code, response.text[-800:])
    return response.text


def test_every_page_answers_for_what_exists(client: TestClient, world: World) -> None:
    home = get(client, "/")
    assert "Trees on the village square" in home and "Hidden proposal" not in home
    assert "Lyon" in get(client, "/areas?q=lyon")
    assert "Rather a park" in get(client, "/t/environment")
    area = get(client, f"/a/{world.lyon}")
    assert "Trees on the village square" in area and "Maire de Lyon" in area
    assert f"/leaderboards?lang=en&amp;area={world.lyon}" in area
    assert "Most active members — Lyon" in get(client, f"/leaderboards?area={world.lyon}")
    official = get(client, f"/officials/{world.mayor}")
    assert "Maire de Lyon" in official and '<dd id="answered">1</dd>' in official
    assert "Most active members" in get(client, "/leaderboards?period=all")
    log = get(client, "/moderation")
    assert "Moderation log" in log
    for path in ("/?lang=fr", f"/i/{world.trees}?lang=fr", "/moderation?lang=fr"):
        assert '<html lang="fr">' in get(client, path)


def test_an_initiative_page_tells_its_whole_story(client: TestClient, world: World) -> None:
    page = get(client, f"/i/{world.trees}")
    assert '<h1 id="title">Trees on the village square</h1>' in page
    assert 'data-count="3"' in page and "3 supporters out of the 3 needed" in page
    assert '<progress id="progress" max="3" value="3">' in page
    # The status history: proposed, then the goal reached, then answered.
    history = page.split('id="history"')[1].split("</section>")[0]
    assert history.index("proposed") < history.index("goal reached") < history.index("answered")
    # The response as it stands, and its former version kept public.
    assert "We will plant them in May." in page
    assert "1 earlier version" in page and "We will look at it." in page
    assert f'href="/officials/{world.mayor}' in page
    # Counter-proposals both ways.
    assert f'href="/i/{world.counter}?lang=en">Rather a park behind the station' in page
    counter = get(client, f"/i/{world.counter}")
    assert "A counter-proposal to:" in counter and f'href="/i/{world.trees}?lang=en"' in counter
    # Join and share, and the preview card for social networks.
    assert f"https://t.me/possibles_bot?start=i{world.trees}" in page
    assert "https://discord.gg/example" in page
    assert "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fpossibles.example%2Fi%2F" in page
    image = f"https://possibles.example/i/{world.trees}/preview.png"
    assert f'<meta property="og:image" content="{image}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<link rel="alternate" type="application/atom+xml" href="/i/{world.trees}/feed.atom">' in page


def test_hidden_content_keeps_its_place_without_its_text(client: TestClient, world: World) -> None:
    page = get(client, f"/i/{world.trees}")
    assert "Great idea, count me in" in page
    assert "Secret spam text" not in page and "Hidden pending the moderators&#39; review." in page
    hidden = client.get(f"/i/{world.hidden}", headers={"Accept-Language": "en"})
    assert hidden.status_code == 404 and f"Initiative #{world.hidden} is hidden" in hidden.text
    assert "Hidden proposal about benches" not in hidden.text
    assert client.get(f"/i/{world.hidden}/preview.png").status_code == 404
    for path in ("/", "/t/environment", f"/a/{world.lyon}"):
        assert "Hidden proposal about benches" not in get(client, path)


def test_a_removed_initiative_is_a_tombstone(
    runtime: Runtime, people: People, client: TestClient, world: World
) -> None:
    from core.services import moderation

    moderator = people["mona"].member_id
    admin.grant_role(runtime.uow(), moderator, "moderator")
    r = tables.review_items.c
    with runtime.uow() as uow:
        item = uow.session.scalar(
            select(r.id).where(
                r.target_type == "initiative", r.target_id == world.hidden, r.closed_at.is_(None)
            )
        )
    moderation.decide(runtime.uow(), moderator, int(item), "remove", "spam", runtime.settings)
    removed = client.get(f"/i/{world.hidden}?lang=en")
    assert removed.status_code == 410 and "was removed" in removed.text
    assert "benches" not in removed.text
    log = get(client, "/moderation")
    assert f"initiative #{world.hidden}" in log and "removed" in log and "spam" in log
    # Never who reported, never which moderator.
    for name in ("Rita", "Remi", "Rose", "Mona"):
        assert name not in log.split('<main id="main">')[1]


def test_member_text_is_escaped(client: TestClient, world: World) -> None:
    page = get(client, f"/i/{world.script}")
    assert "<script>" not in page
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; Trees &amp; shade" in page
    assert "<script>" not in get(client, "/")


@pytest.mark.parametrize(
    "path",
    ["/i/999999", "/i/0", "/i/99999999999999999999", "/a/999999", "/officials/999999", "/t/astrology",
     "/i/999999/preview.png", "/no/such/page", "/leaderboards?area=999999"],
)
def test_what_does_not_exist_is_a_404_page(client: TestClient, world: World, path: str) -> None:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404, response.text[-500:]
    assert "Page not found" in response.text or "image" not in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    ["/i/abc", "/i/1x", "/i/%C2%B2", "/i/-1", "/a/lyon", "/officials/@mayor", "/i/1?page=0", "/i/1?page=x",
     "/i/1?page=99999999", "/moderation?page=-2", "/leaderboards?period=year", "/leaderboards?area=x",
     "/areas?q=" + "x" * 101, "/i/abc/preview.png"],
)
def test_a_malformed_address_is_a_400_page_never_a_500(client: TestClient, world: World, path: str) -> None:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 400, response.text[-500:]
    assert "This address is not valid" in response.text


def test_a_page_past_the_last_is_a_404(client: TestClient, world: World) -> None:
    get(client, f"/i/{world.trees}?page=1")
    get(client, f"/i/{world.trees}?page=50", 404)
    get(client, "/moderation?page=50", 404)


def test_the_preview_is_a_share_card_png(client: TestClient, world: World) -> None:
    response = client.get(f"/i/{world.trees}/preview.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    # The progress bar is drawn full (3 of 3): the accent colour at its right end.
    assert image.getpixel((1200 - 72 - 20, 630 - 72 - 18)) == (29, 78, 216)


def test_the_share_link_of_the_chat_leads_to_a_page_that_answers(
    runtime: Runtime, people: People, client: TestClient, world: World
) -> None:
    """The Share button of the chat (core.presentation) gives public_base_url/i/ID."""
    people["zoe"].say(f"/show {world.trees}")
    shared = people["zoe"].press("Share")
    url = f"https://possibles.example/i/{world.trees}"
    assert url in shared.cards[0].lines
    assert "Trees on the village square" in get(client, url.removeprefix("https://possibles.example"))


def test_no_address_a_visitor_can_type_is_a_500(runtime: Runtime, world: World) -> None:
    """Any text in any parameter of any page: an answer, never a crash."""
    from urllib.parse import quote

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    shapes = (
        "/i/{}", "/i/{}/preview.png", "/a/{}", "/officials/{}", "/t/{}", "/i/1?page={}",
        "/leaderboards?period={}", "/leaderboards?area={}", "/areas?q={}", "/moderation?page={}", "/?lang={}",
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(shapes), st.text(max_size=40) | st.integers(-(10**30), 10**30).map(str))
    def visit(shape: str, value: str) -> None:
        header = value.encode("ascii", "ignore").decode().replace("\r", "").replace("\n", "")[:20]
        response = client.get(shape.format(quote(value, safe="")), headers={"Accept-Language": header})
        assert response.status_code < 500, (shape, value, response.text[-300:])

    visit()


def test_an_area_lists_the_initiatives_of_the_areas_inside_it(
    runtime: Runtime, client: TestClient, world: World
) -> None:
    rhone, paris = area_id(runtime, "69"), area_id(runtime, "75")
    department = get(client, f"/a/{rhone}")
    assert "Trees on the village square" in department
    assert f'href="/a/{world.lyon}?lang=en">Lyon' in department  # the areas inside it
    assert "Trees on the village square" not in get(client, f"/a/{paris}")
