"""The web role: uvicorn serving build_app's app in the running event loop,
until a stop event is set (``possibles run`` and ``possibles web``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator, Sequence

import uvicorn
from starlette.routing import BaseRoute

from bots.web.app import ROUTES, build_app
from bots.web.errors import WebUnavailable
from core.bootstrap import Runtime

__all__ = ["WebServer"]

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C belongs to the process's
    stop event, which stops every role together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """``bind()`` first (an error then stops the start, said in one line), then ``serve(stop)``."""

    name = "web"

    def __init__(
        self,
        runtime: Runtime,
        *,
        routes_from: Sequence[Callable[[], list[BaseRoute]]] = ROUTES,
        extra_routes: Sequence[BaseRoute] = (),
    ) -> None:
        self.runtime = runtime
        #: What build_app mounts (see there): all the pages, or less for a
        #: process that only takes a platform's webhook.
        self.routes_from = routes_from
        self.extra_routes = extra_routes
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """The address actually listened on (``port = 0`` picks a free one)."""
        if self._socket is None:
            raise RuntimeError("bind() the web server first")
        host, port = self._socket.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def bind(self) -> str:
        """Listen on the configured host and port; the address, or WebUnavailable."""
        if self._socket is None:
            web = self.runtime.settings.web
            try:
                family, kind, proto, _, address = socket.getaddrinfo(
                    web.host, web.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
                )[0]
                listening = socket.socket(family, kind, proto)
                try:
                    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    if hasattr(socket, "SO_REUSEPORT"):
                        # Several workers (possibles run --only telegram, with a
                        # webhook) listen on one port; the kernel spreads the connections.
                        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                    listening.bind(address)
                    listening.listen(2048)
                except OSError:
                    listening.close()
                    raise
            except OSError as error:
                raise WebUnavailable(
                    f"the web pages cannot listen on {web.host}:{web.port}: {error.strerror or error}; "
                    "set POSSIBLES_WEB__PORT (or [web] port) to another port"
                ) from error
            listening.setblocking(False)
            self._socket = listening
        return self.url

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve the pages until ``stop`` is set, then finish the requests under way."""
        self.bind()
        assert self._socket is not None
        config = uvicorn.Config(
            build_app(self.runtime, routes_from=self.routes_from, extra_routes=self.extra_routes),
            log_config=None,  # the project's logging, not uvicorn's
            access_log=False,
            lifespan="off",
            proxy_headers=True,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        server = _Server(config)
        serving = asyncio.create_task(server.serve(sockets=[self._socket]))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            server.should_exit = True
            stopping.cancel()
            await serving
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
