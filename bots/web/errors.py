"""The web's errors, importable without Starlette (the CLI catches them)."""

from __future__ import annotations

__all__ = ["WebUnavailable"]


class WebUnavailable(Exception):
    """The web server cannot listen where the settings say (the port is taken...)."""
