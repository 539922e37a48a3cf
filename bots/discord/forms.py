"""The forms (Discord's modals) and how their answers drive the core's flows.

Discord reads no typing in a server without a privileged intent, so where
the core's flows wait for text, a form asks for it: proposing (title and
description), reporting (the reason as a select, an optional note), an
official's response (the core's positions as a select, the text), and the
answer to any other prompt. A form's answers go to the core step by step,
as typed text and presses would (``Chat.invoke``, ``Chat.press``,
``Chat.text``): the core checks each step, and its first refusal is the
answer. The flow's state stays in the database like every flow's.

A form's custom_id is ``possibles:modal:<kind>``; its answers are read back
from the submitted interaction, so a form filled in across a restart counts.
"""

from __future__ import annotations

from collections.abc import Callable

from bots.discord.views import TextModal
from core.domain.initiatives import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX, TITLE_MIN
from core.domain.moderation import NOTE_MAX, ReportReason
from core.domain.responses import RESPONSE_MAX
from core.presentation.answers import error_line
from core.presentation.cards import Reply
from core.presentation.chat import Chat
from core.presentation.context import Speaker
from core.presentation.i18n import translate
from core.presentation.payloads import build

__all__ = [
    "ANSWER",
    "MODAL_PREFIX",
    "POSITION_PREFIX",
    "PROPOSE",
    "REPORT",
    "REPORT_PREFIX",
    "RESPOND",
    "RESPOND_PREFIX",
    "answer_form",
    "positions_of",
    "propose_form",
    "report_form",
    "respond_form",
    "run_form",
]

#: The custom_id prefix of the forms (read back by kind on submit).
MODAL_PREFIX = "possibles:modal:"
PROPOSE = "propose"
ANSWER = "answer"
#: The report form's kind, followed by the report button's payload.
REPORT = "report:"
RESPOND = "respond"
#: The core's report button (its payload is looked for by the message menu),
#: an official's Respond button, and the positions of a response.
REPORT_PREFIX = "v1:r:"
RESPOND_PREFIX = "v1:or:"
POSITION_PREFIX = "v1:op:"
#: Discord's limit on a text input.
TEXT_MAX = 4000
#: Longer than any reason's code: what a forged select may carry at most.
REASON_MAX = 40


def propose_form(language: str) -> TextModal:
    """/initiative propose: the title and the description, Discord holding
    them to the core's lengths as they are typed (the core checks again)."""
    modal = TextModal(
        PROPOSE,
        translate(language, "discord.propose.title"),
        [
            ("title", translate(language, "discord.propose.field_title"), None, False, True, TITLE_MAX),
            (
                "description",
                translate(language, "discord.propose.field_description"),
                None,
                True,
                True,
                DESCRIPTION_MAX,
            ),
        ],
    )
    modal.fields["title"].min_length = TITLE_MIN
    modal.fields["description"].min_length = DESCRIPTION_MIN
    return modal


def answer_form(language: str, prompt: str | None) -> TextModal:
    """The answer to a prompt (a step of a flow), the prompt as placeholder."""
    label = translate(language, "discord.answer.label")
    return TextModal(
        ANSWER, translate(language, "discord.answer.title"), [("text", label, prompt, True, True, TEXT_MAX)]
    )


def report_form(language: str, payload: str) -> TextModal:
    """The report of what the report button ``payload`` designates."""
    modal = TextModal(REPORT + payload, translate(language, "discord.report.title"), [])
    modal.add_choice(
        "reason",
        translate(language, "discord.report.reason"),
        [(r.value, translate(language, f"moderation.reason_button.{r.value}")) for r in ReportReason],
    )
    modal.add_text("note", translate(language, "discord.report.note"), required=False, max_length=NOTE_MAX)
    return modal


def positions_of(reply: Reply) -> list[tuple[str, str]]:
    """The positions the core offers in a response's prompt (payload, label)."""
    return [
        (action.payload, action.label)
        for card in reply.cards
        for action in card.actions
        if action.payload.startswith(POSITION_PREFIX)
    ]


def respond_form(language: str, reply: Reply) -> TextModal | None:
    """An official's response, from the core's prompt (None when ``reply`` is
    not one: a refusal, or nothing to choose)."""
    positions = positions_of(reply)
    if not positions or error_line(reply) is not None:
        return None
    prompt = " ".join(reply.cards[0].lines) if reply.cards else ""
    modal = TextModal(RESPOND, translate(language, "discord.respond.title"), [])
    modal.add_choice(
        "position", translate(language, "discord.respond.position"), positions, description=prompt
    )
    modal.add_text(
        "text", translate(language, "discord.respond.text"), required=True, max_length=RESPONSE_MAX
    )
    return modal


def run_form(chat: Chat, speaker: Speaker, kind: str, values: dict[str, str]) -> Reply | None:
    """The core's answer to a submitted form of ``kind`` (synchronous: run it
    off the event loop); None for a form that is not one of these, or an
    answer the form never offered."""
    steps: list[Callable[[], Reply]]
    if kind == PROPOSE:
        steps = [
            lambda: chat.invoke(speaker, PROPOSE, {"title": values.get("title", "")}),
            lambda: chat.text(speaker, values.get("description", "")),
        ]
    elif kind == ANSWER:
        steps = [lambda: chat.text(speaker, values.get("text", ""))]
    elif kind == RESPOND:
        position = values.get("position", "")
        if not position.startswith(POSITION_PREFIX):
            return None
        steps = [lambda: chat.press(speaker, position), lambda: chat.text(speaker, values.get("text", ""))]
    elif kind.startswith(REPORT):
        payload = kind.removeprefix(REPORT)
        if not payload.startswith(REPORT_PREFIX):
            return None
        note = values.get("note", "").strip()
        reason = values.get("reason", "")
        if not reason or ":" in reason or len(reason) > REASON_MAX:
            reason = "-"  # not a reason: the core says so
        steps = [
            lambda: chat.press(speaker, payload),
            lambda: chat.press(speaker, build("rr", reason)),
            (lambda: chat.text(speaker, note)) if note else (lambda: chat.press(speaker, build("rn"))),
        ]
    else:
        return None
    reply = Reply()
    for step in steps:
        reply = step()
        if error_line(reply) is not None:
            break
    return reply
