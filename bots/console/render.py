"""Cards as plain text with numbered choices."""

from __future__ import annotations

from core.presentation.cards import Action, Card, CardKind, Reply

__all__ = ["render_card", "render_reply"]

_MARK = {CardKind.ERROR: "⚠ ", CardKind.SUCCESS: "✔ ", CardKind.PROMPT: "", CardKind.INFO: ""}


def render_card(card: Card, numbered: list[Action]) -> str:
    """The card's text; its actions are appended to ``numbered`` and shown
    as [n] so the person can type the number."""
    out: list[str] = []
    if card.title:
        out.append(f"== {card.title} ==")
    for i, line in enumerate(card.lines):
        out.append((_MARK[card.kind] if i == 0 else "") + line)
    for field in card.fields:
        out.append(f"  {field.label}{field.separator}{field.value}")
    if card.footer:
        out.append(f"  ({card.footer})")
    choices = []
    for action in card.actions:
        if action.url:
            choices.append(f"{action.label}: {action.url}")
            continue
        numbered.append(action)
        choices.append(f"[{len(numbered)}] {action.label}")
    if choices:
        out.append("  " + "  ".join(choices))
    return "\n".join(out)


def render_reply(reply: Reply, numbered: list[Action]) -> str:
    return "\n\n".join(render_card(card, numbered) for card in reply.cards)
