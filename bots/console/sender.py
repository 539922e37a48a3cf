"""The terminal chat's sender: notifications for the person chatting here are
printed in the terminal, their buttons numbered after the current choices.

Deliveries to other console members wait (the platform has no other chat
open in this process) until that person chats with ``possibles run --as``.
"""

from __future__ import annotations

import itertools

from bots.console.render import render_reply
from bots.console.session import PLATFORM, ConsoleSession
from core.presentation.cards import Reply
from core.services import deliveries
from notifications.ports import Outcome, OutcomeKind, Outgoing, PaceLimits

__all__ = ["ConsoleSender"]

#: How long deliveries to someone not chatting here wait before a new look.
ELSEWHERE_WAIT = 300.0


class ConsoleSender:
    """The Sender of the terminal chat (one per session)."""

    platform = PLATFORM
    limits = PaceLimits(per_second=50.0, per_chat_per_second=20.0, per_group_per_minute=600.0)

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self._refs = itertools.count(1)
        # Whatever waited for this person is due now: they are here.
        deliveries.hasten(session.chat.uow_factory(), PLATFORM, self.address)

    @property
    def address(self) -> str:
        return self.session.speaker.identity.external_id

    async def send(self, message: Outgoing) -> Outcome:
        if message.address != self.address:
            return Outcome(OutcomeKind.RETRY_AFTER, retry_after=ELSEWHERE_WAIT, error="not chatting here")
        # Numbered after the choices already shown: earlier numbers keep working.
        self.session.notify(render_reply(Reply(list(message.cards)), self.session.choices))
        return Outcome(OutcomeKind.SENT, ref=message.edit_ref or f"console-{next(self._refs)}")
