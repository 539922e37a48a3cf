"""Errors as cards, in the member's language."""

from __future__ import annotations

from core.domain.members import is_forgotten
from core.errors import PossiblesError
from core.presentation.cards import Card, CardKind
from core.presentation.i18n import Translator

__all__ = ["error_card"]


def error_card(t: Translator, error: PossiblesError) -> Card:
    params = dict(error.params)
    if "member" in params:  # a member's name, as names are shown (a former member's too)
        params["member"] = t.member_name(params["member"])
    if "field" in params:
        params["field"] = t(f"field.{params['field']}")
    if "role" in params:
        params["role"] = t(f"role.{params['role']}")
    if "status" in params:
        params["status"] = t(f"status.{params['status']}")
    if "new" in params:
        params["new"] = t(f"status.{params['new']}")
    if "kind" in params:
        params["kind"] = t(f"limit.{params['kind']}")
    key = error.key if t.has(error.key) else error.default_key
    line = t(key, **params)
    if "member" in params and is_forgotten(error.params["member"]) and line.startswith(params["member"]):
        # "former member" opening the sentence; a name stays as its member wrote it.
        line = line[0].upper() + line[1:]
    return Card(lines=(line,), kind=CardKind.ERROR)
