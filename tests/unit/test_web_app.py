"""The web app's frame: the security headers, the error pages, the language,
and the web role of ``possibles run`` listening and stopping with the others."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.testclient import TestClient

from bots.web.app import SECURITY_HEADERS, build_app
from bots.web.language import parse_accept_language
from core.bootstrap import Runtime


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(build_app(runtime), raise_server_exceptions=False)


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/no/such/page", "/static/style.css"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS:
            assert response.headers[name] == value, (path, name)
    policy = dict(SECURITY_HEADERS)["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_an_unknown_address_is_the_404_page_in_the_asked_language(client: TestClient) -> None:
    english = client.get("/nothing-here", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.status_code == 404 and "Page not found" in english.text
    assert '<html lang="en">' in english.text
    french = client.get("/nothing-here?lang=fr", headers={"Accept-Language": "en"})
    assert french.status_code == 404 and "Page introuvable" in french.text
    assert '<html lang="fr">' in french.text


def test_a_crash_is_the_error_page_with_the_headers_never_a_traceback(runtime: Runtime) -> None:
    from starlette.routing import Route

    def boom(request: object) -> None:
        raise RuntimeError("secret detail")

    app = build_app(runtime, routes_from=[lambda: [Route("/boom", boom)]])
    response = TestClient(app, raise_server_exceptions=False).get("/boom?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "secret detail" not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_accept_language_is_read_by_quality() -> None:
    assert parse_accept_language("en;q=0.5, fr-CA, de;q=0.9") == ["fr", "de", "en"]
    assert parse_accept_language("fr;q=zero, en") == ["en"]
    assert parse_accept_language("") == []


def test_the_web_role_listens_answers_and_stops_with_the_others(runtime: Runtime) -> None:
    from bots.registry import web_server

    runtime.settings = runtime.settings.model_copy(
        update={"web": runtime.settings.web.model_copy(update={"port": 0})}
    )
    server = web_server(runtime)
    address = server.bind()
    assert address.startswith("http://127.0.0.1:") and not address.endswith(":0")

    async def scenario() -> int:
        stop = asyncio.Event()
        serving = asyncio.create_task(server.serve(stop))
        async with httpx.AsyncClient(base_url=address, timeout=10) as http:
            for _ in range(200):  # until uvicorn has started, at most ~10 s
                try:
                    status = (await http.get("/?lang=en")).status_code
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the web server never answered")
        stop.set()
        await asyncio.wait_for(serving, timeout=15)
        return status

    assert asyncio.run(scenario()) == 200


def test_a_taken_port_is_said_in_one_line(runtime: Runtime) -> None:
    import socket

    from bots.web.errors import WebUnavailable
    from bots.web.server import WebServer

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runtime.settings = runtime.settings.model_copy(
            update={"web": runtime.settings.web.model_copy(update={"port": port})}
        )
        with pytest.raises(WebUnavailable, match=f"cannot listen on 127.0.0.1:{port}.*POSSIBLES_WEB__PORT"):
            WebServer(runtime).bind()
