"""Handlers of the command catalog, one module per feature. Importing this
package registers every command, button verb and flow."""

from core.presentation.handlers import (  # noqa: F401
    areas,
    basics,
    browse,
    chats,
    follows,
    initiatives,
    moderation,
    notifications,
    officials,
    standing,
    timeline,
)
