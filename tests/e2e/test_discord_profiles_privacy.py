"""/link, /me, /profile, /mydata and /forget on Discord, in French and in
English: ``possibles run`` as a subprocess against the fake Discord, with the
shipped badges, a member of the terminal chat and the same person on Discord
linked into one; her /me with its buttons, hiding herself, her public profile
seen by someone else, her data as an attachment only she sees, then erasing
it all with the confirmation button, which works once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console import possibles
from tests.e2e.test_discord_run import GENERAL, NO_MENTIONS, Run, latest, server
from tests.fakes.discord import FakeDiscord, Member, StoredMessage

CAMILLE = 621  # the person who links her terminal account to Discord
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")

WORDS = {
    "fr": {
        "locale": "fr",
        "title": "Des arbres sur la place du village",
        "description": "Dix tilleuls pour l'ombre sur la place.",
        "linked": "Comptes reliés",
        "used": "Ce code est faux, déjà utilisé ou expiré.",
        "two": "2\u00a0comptes",
        "badge": "🏅 Première initiative",
        "volunteered": "Merci de vous engager pour n°1\u00a0!",
        "earned": "🏅 Vous avez reçu un badge\u00a0!",
        "volunteer_badge": "Bénévole, niveau 1",
        "proposed": ("Initiatives proposées", "1"),
        "language": ("Langue", "fr"),
        "settings": {"🌐 Langue", "📬 Résumé", "🌙 Heures calmes"},
        "hide": "Ne pas apparaître dans les classements ni les profils",
        "hidden_self": "Vous seul voyez ceci",
        "listed_hidden": ("Classements", "masqué (profil aussi)"),
        "private": "camille garde son profil privé.",
        "mydata": "Voici tout ce que possibles enregistre sur vous",
        "forget": "Effacer vos données\u00a0?",
        "erase": "Tout effacer",
        "forgotten": "C'est fait\u00a0: vos comptes et vos données personnelles sont effacés.",
        "author": ("Proposée par", "ancien membre"),
        "former": "👤 ancien membre (n°1)",
        "stale": "Ce bouton n'est plus valide.",
    },
    "en": {
        "locale": "en-US",
        "title": "Trees on the village square",
        "description": "Ten lime trees for shade on the square.",
        "linked": "Accounts linked",
        "used": "This code is wrong, used or expired.",
        "two": "2 accounts",
        "badge": "🏅 First initiative",
        "volunteered": "Thank you for volunteering for #1!",
        "earned": "🏅 You received a badge!",
        "volunteer_badge": "Volunteer, level 1",
        "proposed": ("Initiatives proposed", "1"),
        "language": ("Language", "en"),
        "settings": {"🌐 Language", "📬 Digest", "🌙 Quiet hours"},
        "hide": "Hide me from leaderboards and profiles",
        "hidden_self": "Only you see this",
        "listed_hidden": ("Leaderboards", "hidden (profile too)"),
        "private": "camille keeps their profile private.",
        "mydata": "Here is everything possibles stores about you",
        "forget": "Erase your data?",
        "erase": "Erase everything",
        "forgotten": "Done: your accounts and personal data are erased.",
        "author": ("Proposed by", "former member"),
        "former": "👤 former member (#1)",
        "stale": "This button is no longer valid.",
    },
}


@pytest.fixture
def run(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Run]:
    guild = server()
    language = request.node.callspec.params["language"]
    guild.members.append(Member(CAMILLE, "camille", global_name="Camille", locale=WORDS[language]["locale"]))
    with FakeDiscord([guild], callback_deadline=10.0) as fake:
        runner = Run(tmp_path, fake)
        try:
            yield runner
        finally:
            runner.kill()


def terminal(run: Run, language: str, *lines: str, name: str = "camille") -> str:
    """Someone (camille unless named) in the terminal chat, on the running bot's database."""
    script = "\n".join(lines) + "\n"
    chat = ("chat", "--as", name, "--lang", language, "--database", run.database)
    return possibles(*chat, cwd=run.tmp_path, stdin=script).stdout


def fields(message: StoredMessage) -> dict[str, str]:
    """The fields of the message's embeds, by name, as Discord shows them (name above value)."""
    return {f["name"]: f["value"] for embed in message.embeds for f in embed.get("fields") or []}


def button(message: StoredMessage, label: str) -> str:
    """The custom_id of the button of ``message`` labelled ``label``."""
    found = [item["custom_id"] for item in message.items if item.get("label") == label]
    assert found, f"no {label!r} button in {[item.get('label') for item in message.items]}"
    return found[0]


def press_labelled(run: Run, user: int, message: StoredMessage, label: str) -> StoredMessage:
    """``user`` presses the button labelled ``label``; what they see then."""
    current = run.fake.message(message.id)
    return latest(run.answered(run.fake.press(user, current, button(current, label))))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_link_me_profile_mydata_and_forget_on_discord(run: Run, language: str) -> None:
    words = WORDS[language]
    fake = run.fake
    run.start()
    other = 602 if language == "fr" else 605  # Bob reads French, Nosy English (tests.e2e.test_discord_run)

    # camille proposes in the terminal chat (her first badge), then asks for a link code there.
    published = terminal(
        run, language, "/propose", words["title"], words["description"], "Rhône", "1", "1", "1"
    )
    assert "n°1" in published or "#1" in published, published
    code = CODE.search(terminal(run, language, "/link"))
    assert code is not None

    # On Discord, the code makes her Discord account and her terminal account one member.
    linked = latest(run.run(CAMILLE, "link", code=code[1]))
    assert linked.ephemeral and words["linked"] in linked.text() and words["two"] in linked.text()
    again = latest(run.run(CAMILLE, "link", code=code[1]))
    assert again.ephemeral and words["used"] in again.text()  # single-use

    # /me: the badge of what she did in the terminal, her settings and their buttons, only to her.
    me = latest(run.run(CAMILLE, "me"))
    assert me.ephemeral and me.allowed_mentions == NO_MENTIONS
    assert words["badge"] in me.text()
    for name, value in (words["proposed"], words["language"]):
        assert fields(me).get(name) == value, (name, fields(me))
    assert words["settings"] <= {item.get("label") for item in me.items}

    # Someone else volunteers for her initiative: his first badge reaches him in private, in his language.
    volunteered = latest(run.run(other, "initiative volunteer", initiative="1"))
    assert words["volunteered"] in volunteered.text(), volunteered.text()
    alert = run.wait(lambda: next((m for m in fake.dms(other) if words["earned"] in m.text()), None), 60)
    assert words["volunteer_badge"] in alert.text() and alert.allowed_mentions == NO_MENTIONS

    # Someone else sees her public profile, without her settings.
    seen = latest(run.run(other, "profile", member="camille"))
    assert seen.ephemeral and seen.channel_id == GENERAL  # to the reader alone, where they typed it
    assert words["badge"] in seen.text() and fields(seen).get(words["proposed"][0]) == "1"
    assert words["language"][0] not in fields(seen)

    # She hides from leaderboards and profiles: her /me is edited in place; the other sees only that.
    hidden = press_labelled(run, CAMILLE, me, words["hide"])
    name, value = words["listed_hidden"]
    assert fields(hidden).get(name) == value and words["hidden_self"] in hidden.text()
    assert hidden.id == me.id and fake.message(me.id).edits >= 1
    private = latest(run.run(other, "profile", member="camille")).text()
    assert words["private"] in private and words["badge"] not in private

    # /mydata: the card and the JSON file, attached where only she sees them, naming both accounts.
    mydata = run.run(CAMILLE, "mydata")
    card = run.shows(mydata, words["mydata"])
    with_file = run.wait(lambda: next((m for m in mydata.replies if m.attachments), None))
    assert card.ephemeral and with_file.ephemeral
    (attached,) = with_file.attachments
    assert attached.filename.startswith("possibles-mydata-") and attached.filename.endswith(".json")
    exported = json.loads(attached.data)
    accounts = sorted((i["platform"], i["external_id"]) for i in exported["tables"]["identities.member_id"])
    assert accounts == [("console", "camille"), ("discord", str(CAMILLE))]

    # /forget: what it erases and keeps, and one button; pressed, she is gone, once.
    confirm = latest(run.run(CAMILLE, "forget"))
    assert confirm.ephemeral and words["forget"] in confirm.text()
    erase = button(confirm, words["erase"])
    done = latest(run.answered(fake.press(CAMILLE, fake.message(confirm.id), erase)))
    assert words["forgotten"] in done.text(), done.text()

    # Her initiative stays, signed "former member" for every reader; her name and profile are gone.
    card_now = latest(run.run(other, "initiative show", initiative="1"))
    name, value = words["author"]
    assert fields(card_now).get(name) == value and "camille" not in card_now.text().lower()
    gone = latest(run.run(other, "profile", member="#1")).text()
    assert words["former"] in gone and "camille" not in gone.lower() and words["badge"] not in gone
    assert "camille" not in terminal(run, language, "/top all", name="dora").lower()

    # Writing again starts a new member from scratch: her data is her Discord account, nothing more.
    fresh = run.run(CAMILLE, "mydata")
    fresh_file = run.wait(lambda: next((m for m in fresh.replies if m.attachments), None))
    now = json.loads(fresh_file.attachments[0].data)["tables"]
    assert [(i["platform"], i["external_id"]) for i in now["identities.member_id"]] == [
        ("discord", str(CAMILLE))
    ]
    assert not now.get("supports.member_id") and not now.get("initiatives.author_id")

    # The same button pressed again (from the message as it was): refused, nothing erased twice.
    replayed = latest(run.answered(fake.press_custom_id(CAMILLE, fake.message(confirm.id), erase)))
    assert replayed.ephemeral and words["stale"] in replayed.text()

    assert run.stop() == 0
    sent = [body for m in fake.all_messages() for body in m.history]
    assert sent and all(body.get("allowed_mentions") == NO_MENTIONS for body in sent)
    logs = run.logs()
    assert "Traceback" not in logs, logs[logs.find("Traceback") - 1500 :][:4000]
