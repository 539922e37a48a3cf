"""What route handlers need, kept on ``app.state.web`` by build_app.

A handler reaches it with ``web_state(request)``; it reads the data through
the core's services with ``runtime.uow()`` inside ``run_in_threadpool`` (the
storage is synchronous), never with SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment
from starlette.requests import HTTPConnection

from core.bootstrap import Runtime
from core.config import Settings

__all__ = ["WebState", "web_state"]


@dataclass(frozen=True)
class WebState:
    """One per app: the core's runtime and the page templates."""

    runtime: Runtime
    #: Jinja2 with autoescape on for every template (bots.web.templating).
    templates: Environment

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def base_url(self) -> str:
        """``public_base_url`` without its trailing slash: where links point."""
        return self.runtime.settings.public_base_url.rstrip("/")


def web_state(connection: HTTPConnection) -> WebState:
    """The app's WebState, from a request handled by an app of build_app."""
    state: WebState = connection.app.state.web
    return state
