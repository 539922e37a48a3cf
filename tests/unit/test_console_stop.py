"""The terminal chat under ``possibles run`` stops on Ctrl-C whenever it
comes: at the prompt (a key, the terminal being raw) or while an answer is
on its way (a SIGINT, which ``bots.runner.serve`` turns into its stop)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from bots.console import ConsoleSession
from core.presentation.cards import Reply

#: Generous: a loaded machine is slow; a stop that is lost never comes at all.
PATIENCE = 30.0


class SlowAnswers(ConsoleSession):
    """Each answer waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(None, "alice")  # type: ignore[arg-type]  # no core: handle() is replaced
        self.answering = threading.Event()
        self.release = threading.Event()

    def handle(self, line: str) -> Reply | None:
        self.answering.set()
        self.release.wait(PATIENCE)
        return None


def test_ctrl_c_while_an_answer_is_on_its_way_after_a_prompt_stops_the_chat() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, stop.set)  # as bots.runner.serve does
        try:
            with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
                session = SlowAnswers()
                talk = asyncio.create_task(session._run_terminal(stop))
                keys.send_text("/help\r")  # a prompt ends: its answer is on its way
                assert await asyncio.to_thread(session.answering.wait, PATIENCE)
                # Ctrl-C in a terminal that is not raw (no prompt shown): a SIGINT.
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.wait_for(stop.wait(), PATIENCE)
                session.release.set()
                # The chat ends after the answer, rather than showing a prompt nobody can leave.
                await asyncio.wait_for(talk, PATIENCE)
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    asyncio.run(scenario())


def test_a_stop_while_the_prompt_waits_ends_it() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
            session = SlowAnswers()
            talk = asyncio.create_task(session._run_terminal(stop))
            await asyncio.sleep(0.1)  # the prompt is up, or about to be: either way it must end
            stop.set()
            await asyncio.wait_for(talk, PATIENCE)
            assert not session.answering.is_set()

    asyncio.run(scenario())
