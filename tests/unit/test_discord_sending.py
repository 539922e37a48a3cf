"""Every way the Discord front end sends or edits a message passes
``allowed_mentions`` none: interaction responses, edits, follow-ups, the
context menu, the Sender's messages and edits; and the Sender turns
Discord's errors into outcomes without raising."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest

from bots.discord.app import INTENTS
from bots.discord.interactions import Interactions
from bots.discord.render import NO_MENTIONS
from bots.discord.sender import DiscordSender, outcome_of
from core.config import Settings
from core.domain.initiatives import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX, TITLE_MIN
from core.presentation.cards import Action, Card, CardKind, Reply
from core.presentation.commands import default_catalog
from core.presentation.payloads import build
from notifications.ports import OutcomeKind, Outgoing, PaceLimits

EVERYONE = "@everyone come"
SENDS = {"send_message", "edit_message", "followup", "edit_original_response", "channel_send", "message_edit"}


@dataclass
class Calls:
    made: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def sends(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, kwargs) for name, kwargs in self.made if name in SENDS]


class Response:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.done = False

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, content: Any = None, **kwargs: Any) -> None:
        self.calls.made.append(("send_message", {"content": content, **kwargs}))
        self.done = True

    async def edit_message(self, **kwargs: Any) -> None:
        self.calls.made.append(("edit_message", kwargs))
        self.done = True

    async def defer(self, **kwargs: Any) -> None:
        self.calls.made.append(("defer", kwargs))
        self.done = True

    async def send_modal(self, modal: Any) -> None:
        self.calls.made.append(("send_modal", {"modal": modal}))
        self.done = True


class Followup:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    async def send(self, content: Any = None, **kwargs: Any) -> None:
        self.calls.made.append(("followup", {"content": content, **kwargs}))


class Flags:
    ephemeral = False


class Message:
    flags = Flags()
    embeds: list[discord.Embed] = []
    components: list[Any] = []


class User:
    id = 42
    name = "bob"
    display_name = "Bob"


class StubInteraction:
    def __init__(self, kind: discord.InteractionType, *, guild: bool = True, message: bool = False) -> None:
        self.calls = Calls()
        self.response = Response(self.calls)
        self.followup = Followup(self.calls)
        self.type = kind
        self.user = User()
        self.locale = discord.Locale.french
        self.guild = object() if guild else None
        self.channel_id = 7
        self.message = Message() if message else None
        self.extras: dict[str, Any] = {}
        self.id = 1
        self.data: dict[str, Any] = {}

    async def edit_original_response(self, **kwargs: Any) -> None:
        self.calls.made.append(("edit_original_response", kwargs))

    async def delete_original_response(self) -> None:
        self.calls.made.append(("delete_original_response", {}))


class StubChat:
    """The core's replies, fixed for the test; every entry point answers ``reply``."""

    settings = Settings()
    catalog = default_catalog()

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    def uow_factory(self) -> Any:
        raise AssertionError("no database here: no platform role is configured")

    def invoke(self, *args: Any) -> Reply:
        return self.reply

    def press(self, *args: Any) -> Reply:
        return self.reply

    def text(self, *args: Any) -> Reply:
        return self.reply

    def command(self, *args: Any) -> Reply:
        return self.reply


def _card(kind: CardKind = CardKind.INFO) -> Card:
    return Card(
        title=EVERYONE, lines=(f"{EVERYONE} <@&1> <@2>",), actions=(Action("x", build("j", 1)),), kind=kind
    )


REPLIES = {
    "card": Reply([_card()]),
    "edit": Reply([_card()], edit=True, shared=True),
    "two": Reply([Card(lines=(EVERYONE,)), _card(), _card()]),
    "refusal": Reply([Card(lines=(EVERYONE,), kind=CardKind.ERROR)]),
    "notice": Reply([Card(lines=(EVERYONE,), kind=CardKind.SUCCESS)]),
    "prompt": Reply([_card(CardKind.PROMPT)]),
    "long": Reply([Card(lines=(EVERYONE + " " + "x" * 9000,))]),
}


def _check(calls: Calls) -> None:
    sends = calls.sends()
    assert sends, calls.made
    for name, kwargs in sends:
        assert kwargs.get("allowed_mentions") is NO_MENTIONS, (name, kwargs)


def _interactions(reply: Reply) -> Interactions:
    return Interactions(StubChat(reply), "fr")  # type: ignore[arg-type]


@pytest.mark.parametrize("case", sorted(REPLIES))
@pytest.mark.parametrize("guild", [True, False])
def test_commands_answer_without_mentions(case: str, guild: bool) -> None:
    interaction = StubInteraction(discord.InteractionType.application_command, guild=guild)
    asyncio.run(_interactions(REPLIES[case]).on_command(interaction, "show", {"initiative": "1"}))  # type: ignore[arg-type]
    _check(interaction.calls)


@pytest.mark.parametrize("case", sorted(REPLIES))
@pytest.mark.parametrize("guild", [True, False])
def test_presses_answer_and_edit_without_mentions(case: str, guild: bool) -> None:
    interaction = StubInteraction(discord.InteractionType.component, guild=guild, message=True)
    asyncio.run(_interactions(REPLIES[case]).on_press(interaction, build("j", 1)))  # type: ignore[arg-type]
    if case == "edit":
        assert any(name == "edit_message" for name, _ in interaction.calls.made)
    _check(interaction.calls)


@pytest.mark.parametrize("case", sorted(REPLIES))
def test_modal_answers_go_without_mentions(case: str) -> None:
    interaction = StubInteraction(discord.InteractionType.modal_submit)
    interaction.data = {"custom_id": "possibles:modal:answer", "components": []}
    asyncio.run(_interactions(REPLIES[case]).on_modal_submit(interaction))  # type: ignore[arg-type]
    _check(interaction.calls)


def test_a_slow_core_is_deferred_and_its_answer_follows_without_mentions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from bots.discord import interactions as module

    monkeypatch.setattr(module, "DEFER_AFTER", 0.01)

    class Slow(StubChat):
        def invoke(self, *args: Any) -> Reply:
            time.sleep(0.2)
            return self.reply

    interaction = StubInteraction(discord.InteractionType.application_command)
    handler = Interactions(Slow(REPLIES["two"]), "fr")  # type: ignore[arg-type]
    asyncio.run(handler.on_command(interaction, "me", {}))  # type: ignore[arg-type]
    names = [name for name, _ in interaction.calls.made]
    assert names[0] == "defer" and "followup" in names
    _check(interaction.calls)


def test_the_context_menu_on_a_message_without_a_report_button_says_so_without_mentions() -> None:
    interaction = StubInteraction(discord.InteractionType.application_command)
    asyncio.run(_interactions(REPLIES["card"]).on_report_message(interaction, Message()))  # type: ignore[arg-type]
    _check(interaction.calls)


def test_the_client_itself_allows_no_mentions_and_needs_no_privileged_intent() -> None:
    from pydantic import SecretStr

    from bots.discord.app import DiscordFrontEnd
    from core.bootstrap import Runtime
    from core.config import DiscordSettings, Settings

    settings = Settings(database_url="sqlite://", discord=DiscordSettings(token=SecretStr("x")))
    front = DiscordFrontEnd(Runtime.open(settings))
    assert front.client.allowed_mentions is not None
    assert front.client.allowed_mentions.to_dict() == {"parse": []}
    assert INTENTS.value == discord.Intents(guilds=True).value
    assert not (INTENTS.members or INTENTS.presences or INTENTS.message_content)


# --- the Sender -------------------------------------------------------------


class StubPartial:
    def __init__(self, calls: Calls, message_id: int) -> None:
        self.calls = calls
        self.id = message_id

    async def edit(self, **kwargs: Any) -> None:
        self.calls.made.append(("message_edit", kwargs))

    async def delete(self) -> None:
        self.calls.made.append(("message_delete", {"id": self.id}))


class StubChannel:
    def __init__(self, calls: Calls, fail: BaseException | None = None) -> None:
        self.calls = calls
        self.fail = fail
        self.next_id = 100

    async def send(self, **kwargs: Any) -> Any:
        if self.fail is not None:
            raise self.fail
        self.calls.made.append(("channel_send", kwargs))
        self.next_id += 1
        return discord.Object(id=self.next_id)

    def get_partial_message(self, message_id: int) -> StubPartial:
        return StubPartial(self.calls, message_id)


class StubClient:
    def __init__(self, channel: StubChannel) -> None:
        self.channel = channel
        self.dms: list[int] = []
        self.user: object | None = object()

    def is_closed(self) -> bool:
        return False

    def get_channel(self, channel_id: int) -> None:
        return None

    async def fetch_channel(self, channel_id: int) -> object:
        return object()  # a text channel, not a forum

    async def create_dm(self, user: discord.abc.Snowflake) -> StubChannel:
        self.dms.append(user.id)
        return self.channel

    def get_partial_messageable(self, channel_id: int) -> StubChannel:
        return self.channel


def _sender(fail: BaseException | None = None) -> tuple[DiscordSender, Calls, StubClient]:
    calls = Calls()
    client = StubClient(StubChannel(calls, fail))
    return DiscordSender(client, PaceLimits()), calls, client  # type: ignore[arg-type]


def test_the_sender_sends_and_edits_without_mentions() -> None:
    sender, calls, client = _sender()
    outcome = asyncio.run(sender.send(Outgoing(1, "555", (_card(),))))
    assert outcome.kind == OutcomeKind.SENT and outcome.ref == "101"
    assert client.dms == [555]
    edited = asyncio.run(
        sender.send(Outgoing(2, "777", (Card(lines=(EVERYONE,)),), is_group=True, edit_ref="101"))
    )
    assert edited.kind == OutcomeKind.SENT and edited.ref == "101"
    edit = [kwargs for name, kwargs in calls.made if name == "message_edit"]
    assert edit and edit[0]["view"] is None  # a decided card loses its buttons
    _check(calls)


def test_a_long_notification_is_sent_in_parts_without_mentions() -> None:
    sender, calls, _ = _sender()
    outcome = asyncio.run(sender.send(Outgoing(1, "555", (Card(lines=("y" * 30_000,)),))))
    assert outcome.kind == OutcomeKind.SENT and outcome.ref is not None
    assert len(outcome.ref.split(",")) == len(calls.sends()) > 1
    _check(calls)


class FakeResponse:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "x"
        self.headers = headers or {}


def _http_error(kind: type[discord.HTTPException], status: int, code: int, headers: Any = None) -> Any:
    return kind(FakeResponse(status, headers), {"code": code, "message": "m"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_http_error(discord.Forbidden, 403, 50007), OutcomeKind.UNREACHABLE),
        (_http_error(discord.NotFound, 404, 10003), OutcomeKind.UNREACHABLE),
        (_http_error(discord.HTTPException, 400, 50035), OutcomeKind.REJECTED),
        (_http_error(discord.HTTPException, 401, 0), OutcomeKind.TRANSIENT),
        (_http_error(discord.DiscordServerError, 502, 0), OutcomeKind.TRANSIENT),
        (_http_error(discord.HTTPException, 429, 0, {"Retry-After": "2.5"}), OutcomeKind.RETRY_AFTER),
        (TimeoutError(), OutcomeKind.UNCERTAIN),
        (OSError("refused"), OutcomeKind.TRANSIENT),
    ],
)
def test_discord_errors_become_outcomes_and_the_sender_never_raises(error: BaseException, kind: str) -> None:
    assert outcome_of(error).kind == kind
    sender, _, _ = _sender(fail=error)
    assert asyncio.run(sender.send(Outgoing(1, "555", (_card(),)))).kind == kind


def test_a_connection_lost_while_sending_is_a_transient_outcome_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At a stop or an outage aiohttp raises ServerDisconnectedError: tried
    again later, and no "failed unexpectedly" traceback in the log."""
    sender, _, _ = _sender(fail=aiohttp.ServerDisconnectedError())
    with caplog.at_level(logging.INFO, logger="bots.discord.sender"):
        outcome = asyncio.run(sender.send(Outgoing(1, "555", (_card(),))))
    assert outcome.kind == OutcomeKind.TRANSIENT
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


def test_the_propose_form_holds_title_and_description_to_the_cores_lengths() -> None:
    from bots.discord.forms import propose_form

    rows = propose_form("fr").to_dict()["components"]
    inputs = {row["components"][0]["custom_id"]: row["components"][0] for row in rows}
    assert (inputs["title"]["min_length"], inputs["title"]["max_length"]) == (TITLE_MIN, TITLE_MAX)
    assert (inputs["description"]["min_length"], inputs["description"]["max_length"]) == (
        DESCRIPTION_MIN,
        DESCRIPTION_MAX,
    )


def test_retry_after_is_read_from_discords_header() -> None:
    outcome = outcome_of(_http_error(discord.HTTPException, 429, 0, {"Retry-After": "2.5"}))
    assert outcome.retry_after == 2.5


def test_before_the_front_end_is_logged_in_nothing_is_sent_and_it_is_retried_later() -> None:
    sender, calls, client = _sender()
    client.user = None
    outcome = asyncio.run(sender.send(Outgoing(1, "555", (_card(),))))
    assert outcome.kind == OutcomeKind.TRANSIENT and not calls.made and not client.dms


def test_an_address_that_is_no_discord_id_is_rejected() -> None:
    sender, calls, _ = _sender()
    assert asyncio.run(sender.send(Outgoing(1, "bob", (_card(),)))).kind == OutcomeKind.REJECTED
    assert not calls.made


# --- the forms ------------------------------------------------------------------


def _modal_ids(modal: discord.ui.Modal) -> list[str]:
    payload = modal.to_dict()
    ids = [payload["custom_id"]]
    for component in payload["components"]:
        inner = component.get("component") or (component.get("components") or [{}])[0]
        ids.append(inner["custom_id"])
        assert len(component.get("label", inner.get("label")) or "") <= 45
    return ids


def test_the_report_button_opens_a_form_whose_ids_fit_discord() -> None:
    payload = build("r", "i", 10**18 - 1)
    interaction = StubInteraction(discord.InteractionType.component, message=True)
    asyncio.run(_interactions(REPLIES["card"]).on_press(interaction, payload))  # type: ignore[arg-type]
    ((name, kwargs),) = interaction.calls.made
    assert name == "send_modal"
    modal = kwargs["modal"]
    assert len(modal.title) <= 45
    ids = _modal_ids(modal)
    assert ids[0] == "possibles:modal:report:" + payload and all(len(i) <= 100 for i in ids)
    select = modal.to_dict()["components"][0]["component"]
    assert 1 <= len(select["options"]) <= 25 and all(len(o["label"]) <= 100 for o in select["options"])


class Recording(StubChat):
    def __init__(self, replies: list[Reply]) -> None:
        super().__init__(replies[-1])
        self.replies = replies
        self.calls: list[tuple[str, str]] = []

    def _next(self, what: str, value: str) -> Reply:
        self.calls.append((what, value))
        return self.replies[len(self.calls) - 1]

    def press(self, speaker: Any, payload: str) -> Reply:
        return self._next("press", payload)

    def text(self, speaker: Any, text: str) -> Reply:
        return self._next("text", text)


def _submit_report(chat: Recording, values: dict[str, Any]) -> StubInteraction:
    interaction = StubInteraction(discord.InteractionType.modal_submit)
    components = [
        {"type": 18, "component": {"type": 3, "custom_id": "reason", "values": [values["reason"]]}},
        {"type": 18, "component": {"type": 4, "custom_id": "note", "value": values.get("note", "")}},
    ]
    interaction.data = {"custom_id": "possibles:modal:report:v1:r:i:1", "components": components}
    asyncio.run(Interactions(chat, "fr").on_modal_submit(interaction))  # type: ignore[arg-type]
    return interaction


def test_the_report_form_drives_the_cores_report_flow() -> None:
    ok = Reply([Card(lines=("next",), kind=CardKind.PROMPT)])
    done = Reply([Card(lines=("Thank you",), kind=CardKind.SUCCESS)])
    chat = Recording([ok, ok, done])
    interaction = _submit_report(chat, {"reason": "spam", "note": "ads"})
    assert chat.calls == [("press", "v1:r:i:1"), ("press", "v1:rr:spam"), ("text", "ads")]
    _check(interaction.calls)
    chat = Recording([ok, ok, done])
    _submit_report(chat, {"reason": "spam"})
    assert chat.calls[-1] == ("press", "v1:rn")


def test_a_refused_report_stops_at_the_refusal() -> None:
    refusal = Reply([Card(lines=("You reported it already.",), kind=CardKind.ERROR)])
    chat = Recording([refusal, refusal, refusal])
    interaction = _submit_report(chat, {"reason": "spam", "note": "x"})
    assert chat.calls == [("press", "v1:r:i:1")]
    sent = interaction.calls.sends()
    assert sent and all(kwargs.get("ephemeral") for _, kwargs in sent)


def _position_prompt() -> Reply:
    actions = tuple(Action(f"position {i}", build("op", i), row=i) for i in range(4))
    return Reply([Card(lines=("Your position on #1?",), actions=actions, kind=CardKind.PROMPT)])


def test_the_respond_button_opens_a_form_with_the_cores_positions() -> None:
    chat = Recording([_position_prompt()])
    interaction = StubInteraction(discord.InteractionType.component, guild=False, message=True)
    asyncio.run(Interactions(chat, "fr").on_press(interaction, build("or", 1)))  # type: ignore[arg-type]
    assert chat.calls == [("press", "v1:or:1")]
    ((name, kwargs),) = interaction.calls.made
    assert name == "send_modal"
    select = kwargs["modal"].to_dict()["components"][0]
    assert [o["value"] for o in select["component"]["options"]] == [build("op", i) for i in range(4)]
    assert len(select["description"]) <= 100
    assert all(len(i) <= 100 for i in _modal_ids(kwargs["modal"]))


def test_someone_who_may_not_respond_is_refused_without_a_form() -> None:
    refusal = Reply([Card(lines=("Only the officials of this area.",), kind=CardKind.ERROR)])
    interaction = StubInteraction(discord.InteractionType.component, message=True)
    asyncio.run(Interactions(Recording([refusal]), "fr").on_press(interaction, build("or", 1)))  # type: ignore[arg-type]
    assert [name for name, _ in interaction.calls.made] == ["send_message"]
    assert interaction.calls.made[0][1]["ephemeral"] is True
    _check(interaction.calls)


def test_the_respond_form_gives_the_position_then_the_text_and_refuses_a_forged_position() -> None:
    preview = Reply([Card(lines=("Preview",), kind=CardKind.PROMPT)])
    chat = Recording([preview, preview])
    interaction = StubInteraction(discord.InteractionType.modal_submit, guild=False)
    interaction.data = {
        "custom_id": "possibles:modal:respond",
        "components": [
            {"type": 18, "component": {"type": 3, "custom_id": "position", "values": ["v1:op:2"]}},
            {"type": 18, "component": {"type": 4, "custom_id": "text", "value": "We will."}},
        ],
    }
    asyncio.run(Interactions(chat, "fr").on_modal_submit(interaction))  # type: ignore[arg-type]
    assert chat.calls == [("press", "v1:op:2"), ("text", "We will.")]
    _check(interaction.calls)
    forged = Recording([Reply([Card(lines=("no longer valid",), kind=CardKind.ERROR)])])
    data = interaction.data
    data["components"][0]["component"]["values"] = ["v1:md:1:dismiss"]
    interaction = StubInteraction(discord.InteractionType.modal_submit, guild=False)
    interaction.data = data
    asyncio.run(Interactions(forged, "fr").on_modal_submit(interaction))  # type: ignore[arg-type]
    assert forged.calls == []  # a value the form never offered reaches no core press
    ((name, kwargs),) = interaction.calls.made
    assert name == "send_message" and "Ce bouton n'est plus valide." in str(kwargs["embeds"][0].description)


def test_configured_shards_make_an_auto_sharded_client_for_this_process_share() -> None:
    from pydantic import SecretStr

    from bots.discord.app import DiscordFrontEnd
    from core.bootstrap import Runtime
    from core.config import DiscordSettings

    plain = DiscordSettings(token=SecretStr("x"))
    sharded = DiscordSettings(token=SecretStr("x"), shard_count=4, shard_ids=[2, 3])
    one = DiscordFrontEnd(Runtime.open(Settings(database_url="sqlite://", discord=plain)))
    assert type(one.client) is discord.Client
    two = DiscordFrontEnd(Runtime.open(Settings(database_url="sqlite://", discord=sharded)))
    assert isinstance(two.client, discord.AutoShardedClient)
    assert two.client.shard_count == 4 and two.client.shard_ids == [2, 3]


def test_a_slow_respond_is_acknowledged_in_time_and_its_prompt_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from bots.discord import interactions as module

    monkeypatch.setattr(module, "FORM_WITHIN", 0.01)

    class Slow(Recording):
        def press(self, speaker: Any, payload: str) -> Reply:
            time.sleep(0.2)
            return super().press(speaker, payload)

    interaction = StubInteraction(discord.InteractionType.component, message=True)
    asyncio.run(Interactions(Slow([_position_prompt()]), "fr").on_press(interaction, build("or", 1)))  # type: ignore[arg-type]
    names = [name for name, _ in interaction.calls.made]
    assert names[0] == "defer" and "send_modal" not in names and "followup" in names
    _check(interaction.calls)


def _with_file(size: int = 10, link: str | None = None) -> Reply:
    from core.presentation.cards import Document

    actions = (Action("Download from the web", url=link),) if link else ()
    reply = Reply([Card(lines=("Your data.",), actions=actions)])
    reply.documents.append(Document("possibles-mydata-1.json", "application/json", b"x" * size, link=link))
    return reply


@pytest.mark.parametrize("kind", ["command", "press"])
def test_ones_own_files_are_attached_where_only_they_see_them(kind: str) -> None:
    handler = _interactions(_with_file())
    if kind == "command":
        interaction = StubInteraction(discord.InteractionType.application_command)
        asyncio.run(handler.on_command(interaction, "mydata", {}))  # type: ignore[arg-type]
    else:
        interaction = StubInteraction(discord.InteractionType.component, message=True)
        asyncio.run(handler.on_press(interaction, build("j", 1)))  # type: ignore[arg-type]
    with_files = [kwargs for _, kwargs in interaction.calls.sends() if kwargs.get("files")]
    (sent,) = with_files
    assert sent["ephemeral"] is True
    assert [f.filename for f in sent["files"]] == ["possibles-mydata-1.json"]
    _check(interaction.calls)


def test_a_file_too_large_for_discord_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from bots.discord import interactions as module

    monkeypatch.setattr(module, "ATTACHMENT_MAX", 5)
    interaction = StubInteraction(discord.InteractionType.application_command)
    asyncio.run(_interactions(_with_file(6)).on_command(interaction, "mydata", {}))  # type: ignore[arg-type]
    assert not [k for _, k in interaction.calls.sends() if k.get("files")]
    assert any("possibles-mydata-1.json" in str(k.get("content")) for _, k in interaction.calls.sends())
    _check(interaction.calls)


@pytest.mark.parametrize(
    ("language", "words"), [("en", "with the button above"), ("fr", "avec le bouton ci-dessus")]
)
def test_a_file_too_large_points_to_the_web_download_button(
    monkeypatch: pytest.MonkeyPatch, language: str, words: str
) -> None:
    from bots.discord import interactions as module

    monkeypatch.setattr(module, "ATTACHMENT_MAX", 5)
    link = "https://possibles.example/mydata/AAAAAAAAAAAAAAAAAAAAAA"
    interaction = StubInteraction(discord.InteractionType.application_command)
    interaction.locale = discord.Locale.american_english if language == "en" else discord.Locale.french
    asyncio.run(_interactions(_with_file(6, link)).on_command(interaction, "mydata", {}))  # type: ignore[arg-type]
    sends = [k for _, k in interaction.calls.sends()]
    assert not [k for k in sends if k.get("files")]
    # The card with the button first, ephemeral; then the note pointing to it.
    buttons = [
        item.url
        for k in sends
        if k.get("view") is not None
        for item in k["view"].children
        if getattr(item, "url", None)
    ]
    assert buttons == [link]
    (note,) = [str(k["content"]) for k in sends if "possibles-mydata-1.json" in str(k.get("content"))]
    assert words in note, note
    assert all(k.get("ephemeral") for k in sends)
    _check(interaction.calls)


def test_a_forged_reason_or_report_target_reaches_no_press_it_was_not_meant_for() -> None:
    from bots.discord.forms import run_form

    refusal = Reply([Card(lines=("not a reason",), kind=CardKind.ERROR)])
    ok = Reply([Card(lines=("next",), kind=CardKind.PROMPT)])
    chat = Recording([ok, refusal])
    reply = run_form(chat, None, "report:v1:r:i:1", {"reason": "spam:x", "note": ""})  # type: ignore[arg-type]
    assert chat.calls == [("press", "v1:r:i:1"), ("press", "v1:rr:-")] and reply is refusal
    chat = Recording([ok])
    assert run_form(chat, None, "report:v1:md:1:dismiss", {"reason": "spam"}) is None  # type: ignore[arg-type]
    assert run_form(chat, None, "something", {}) is None  # type: ignore[arg-type]
    assert chat.calls == []


def test_each_handled_interaction_is_counted_once_for_the_metrics() -> None:
    from prometheus_client import CollectorRegistry

    from bots.metrics import UPDATES_HANDLED

    registry = CollectorRegistry()
    registry.register(UPDATES_HANDLED)

    def handled() -> float:
        value = registry.get_sample_value("possibles_updates_handled_total", {"platform": "discord"})
        return value or 0.0

    before = handled()
    handler = _interactions(REPLIES["card"])
    command = StubInteraction(discord.InteractionType.application_command)
    asyncio.run(handler.on_command(command, "show", {"initiative": "1"}))  # type: ignore[arg-type]
    assert handled() == before + 1
    press = StubInteraction(discord.InteractionType.component, message=True)
    asyncio.run(handler.on_press(press, build("j", 1)))  # type: ignore[arg-type]
    stale = StubInteraction(discord.InteractionType.component, message=True)
    asyncio.run(handler.on_unknown_component(stale))  # type: ignore[arg-type]
    form = StubInteraction(discord.InteractionType.modal_submit)
    form.data = {"custom_id": "possibles:modal:answer", "components": []}
    asyncio.run(handler.on_modal_submit(form))  # type: ignore[arg-type]
    assert handled() == before + 4
