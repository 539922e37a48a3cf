"""``build_catalog()``: the catalog of every command, press verb and flow,
assembled from what each handler module declares. Nothing registers itself
on import: a handler module is in the catalog because it is listed here."""

from __future__ import annotations

from core.presentation.commands import Catalog
from core.presentation.handlers import (
    areas,
    basics,
    browse,
    chats,
    editing,
    follows,
    initiatives,
    linking,
    moderation,
    notifications,
    officials,
    privacy,
    profiles,
    standing,
    timeline,
)

__all__ = ["build_catalog"]

_MODULES = (
    basics,
    initiatives,
    browse,
    timeline,
    editing,
    follows,
    notifications,
    moderation,
    officials,
    profiles,
    standing,
    linking,
    privacy,
    areas,
    chats,
)


def build_catalog() -> Catalog:
    """Every command, press verb and flow of possibles."""
    return Catalog.build(
        commands=(spec for module in _MODULES for spec in module.COMMANDS),
        presses=(item for module in _MODULES for item in module.PRESSES.items()),
        flows=(item for module in _MODULES for item in module.FLOWS.items()),
    )
