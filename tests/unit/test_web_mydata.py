"""/mydata/{token} on the web (bots.web.mydata): the page uses nothing, the
button downloads once, then the link is gone."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from bots.web.app import SECURITY_HEADERS, build_app
from core.bootstrap import Runtime
from core.services import privacy
from core.services.handovers import TokenState
from tests.support import Clock, People, is_error
from tests.unit.test_privacy_download import mydata

NO_STORE = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(build_app(runtime), raise_server_exceptions=False)


def private(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in NO_STORE.items():
        assert headers[name] == value, name


@pytest.mark.parametrize(
    ("accept", "title", "button"),
    [
        ("en-GB,en;q=0.8", "Your data on possibles", "Download my data (JSON)"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "Vos données sur possibles", "Télécharger mes données (JSON)"),
    ],
)
def test_the_page_shows_a_download_button_and_uses_nothing(
    runtime: Runtime, people: People, client: TestClient, accept: str, title: str, button: str
) -> None:
    _, token = mydata(people["bob"])
    for _ in range(3):  # a link preview, the member, the member again
        page = client.get(f"/mydata/{token}", headers={"Accept-Language": accept})
        assert page.status_code == 200 and title in page.text and button in page.text
        private(page)
    assert client.head(f"/mydata/{token}").status_code == 200
    # A plain form that posts back here; no script (the site's policy allows none).
    form = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert form is not None and form[1].startswith(f"/mydata/{token}?lang=")
    assert "<script" not in page.text
    assert page.headers["Content-Security-Policy"] == dict(SECURITY_HEADERS)["Content-Security-Policy"]
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    assert privacy.download_state(runtime.uow(), token) is TokenState.LIVE


def test_the_button_downloads_the_file_once_then_the_link_is_gone(
    runtime: Runtime, people: People, client: TestClient
) -> None:
    bob = people["bob"]
    _, token = mydata(bob)
    page = client.get(f"/mydata/{token}?lang=en")
    action = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert action is not None
    got = client.post(action[1])
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("application/json")
    disposition = f'attachment; filename="possibles-mydata-{bob.member_id}.json"'
    assert got.headers["Content-Disposition"] == disposition
    private(got)
    document = json.loads(got.content)
    assert document["format"] == privacy.EXPORT_FORMAT and document["member"]["id"] == bob.member_id

    again = client.post(f"/mydata/{token}", headers={"Accept-Language": "en"})
    assert again.status_code == 410 and "This download link no longer works" in again.text
    assert "Type /mydata" in again.text and "Download my data" not in again.text
    private(again)
    shown = client.get(f"/mydata/{token}", headers={"Accept-Language": "fr"})
    assert shown.status_code == 410 and "Ce lien de téléchargement ne fonctionne plus" in shown.text
    assert "Tapez /mydata" in shown.text
    private(shown)


def test_an_expired_link_is_gone_in_both_languages(
    runtime: Runtime, people: People, client: TestClient, clock: Clock
) -> None:
    _, token = mydata(people["bob"])
    clock.advance(minutes=15)
    for language, words in (("en", "no longer works"), ("fr", "ne fonctionne plus")):
        url = f"/mydata/{token}?lang={language}"
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 410 and words in response.text, language
            assert "application/json" not in response.headers["Content-Type"]
            private(response)


@pytest.mark.parametrize("token", ["AAAAAAAAAAAAAAAAAAAAAA", "not%20a%20token", "x" * 65, "%3Cscript%3E"])
def test_an_unknown_link_is_a_404_page(client: TestClient, token: str) -> None:
    for response in (client.get(f"/mydata/{token}?lang=en"), client.post(f"/mydata/{token}?lang=en")):
        assert response.status_code == 404 and "Unknown download link" in response.text
        assert "<script>" not in response.text
        private(response)
    french = client.get(f"/mydata/{token}", headers={"Accept-Language": "fr"})
    assert french.status_code == 404 and "Lien de téléchargement inconnu" in french.text


def test_a_forgotten_members_link_is_a_404(runtime: Runtime, people: People, client: TestClient) -> None:
    bob = people["bob"]
    _, token = mydata(bob)
    bob.say("/forget")
    assert not is_error(bob.press("Erase everything"))
    assert client.get(f"/mydata/{token}?lang=en").status_code == 404
    assert client.post(f"/mydata/{token}?lang=en").status_code == 404


def test_the_download_pages_are_rate_limited_per_client(
    runtime: Runtime, people: People, client: TestClient
) -> None:
    from bots.web.export import EXPORT_BURST

    _, token = mydata(people["bob"])
    answers = [client.get(f"/mydata/{token}").status_code for _ in range(EXPORT_BURST)]
    assert answers == [200] * EXPORT_BURST
    limited = client.post(f"/mydata/{token}")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert privacy.download_state(runtime.uow(), token) is TokenState.LIVE  # refused before the core
