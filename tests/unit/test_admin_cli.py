"""``possibles admin``: roles, mandates and invite codes from the command line,
on a real SQLite file that the CLI migrates itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from core.bootstrap import Runtime
from tests.support import People, is_error, text_of

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'x.db'}"


def admin(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["admin", *args, "--database", url])


@pytest.fixture
def people(url: str) -> Iterator[People]:
    """People chatting on the same database file as the CLI."""
    assert admin(url, "roles").exit_code == 0  # the first command migrates the new file
    runtime = Runtime.open(database_url=url)
    yield People(runtime.chat())
    runtime.close()


def test_grant_lists_and_revokes_a_role(url: str, people: People) -> None:
    people["alice"].say("/start")
    granted = admin(url, "grant", "test:alice", "moderator")
    assert granted.exit_code == 0, granted.output
    assert "#1 alice: moderator" in granted.output

    again = admin(url, "grant", "#1", "moderator")
    assert again.exit_code == 1
    assert again.output.strip() == "error: alice is already moderator."

    listed = admin(url, "roles")
    assert listed.exit_code == 0 and "#1 alice: moderator" in listed.output

    revoked = admin(url, "revoke", "1", "moderator")
    assert revoked.exit_code == 0 and "#1 alice: no role" in revoked.output
    assert "nobody holds a role" in admin(url, "roles").output


def test_bad_input_prints_one_line_exits_1_and_changes_nothing(url: str, people: People) -> None:
    people["alice"].say("/start")
    for args, message in [
        (("grant", "#1", "king"), "Unknown role “king”. Roles: moderator, admin, official."),
        (("grant", "#1", "official"), "The official role comes with a mandate"),
        (("grant", "#42", "admin"), "No member 42."),
        (("revoke", "#1", "admin"), "alice is not administrator."),
        (("verify", "#1", "--area", "Atlantis", "--title", "Roi"), "No area matches “Atlantis”."),
        (("verify", "#1", "--area", "69", "--title", "   "), "The title is empty."),
        (("unverify", "#7"), "No member 7."),
        (("unverify", "alice"), "alice holds no mandate."),
        (("invite", "--area", "69", "--title", "Maire", "--days", "0"), "valid from 1 to 365 days"),
    ]:
        result = admin(url, *args)
        assert result.exit_code == 1, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1
        assert message in result.output, (args, result.output)
    assert "nobody holds a role or a mandate yet" in admin(url, "roles").output
    assert "no invite codes" in admin(url, "invites").output


def test_verify_makes_an_official_and_unverify_ends_it(url: str, people: People) -> None:
    people["alice"].say("/start")
    verified = admin(url, "verify", "test:alice", "--area", "69", "--title", "Présidente du Rhône")
    assert verified.exit_code == 0, verified.output
    assert "alice is now a verified official" in verified.output
    assert "mandate #1: Présidente du Rhône — Rhône (69)" in verified.output
    assert "#1 alice: official" in admin(url, "roles", "#1").output

    twice = admin(url, "verify", "#1", "--area", "69", "--title", "Présidente du Rhône")
    assert twice.exit_code == 1 and "already holds mandate #1 over Rhône" in twice.output

    record = text_of(people["bob"].say("/official #1"))
    assert "Présidente du Rhône (Rhône)" in record

    ended = admin(url, "unverify", "test:alice")  # a member, as verify takes one
    assert ended.exit_code == 0 and "(revoked " in ended.output
    assert "#1 alice: no role" in admin(url, "roles", "#1").output
    again = admin(url, "unverify", "test:alice")
    assert again.exit_code == 1 and again.output.strip() == "error: alice holds no mandate."


def test_unverify_names_the_area_when_a_member_holds_several_mandates(url: str, people: People) -> None:
    people["lou"].say("/start")
    assert admin(url, "verify", "lou", "--area", "69", "--title", "Présidente du Rhône").exit_code == 0
    assert admin(url, "verify", "lou", "--area", "42", "--title", "Présidente de la Loire").exit_code == 0

    assert "lou — public record" in text_of(people["bob"].say("/official lou"))  # by name in chat too

    which = admin(url, "unverify", "lou")
    assert which.exit_code == 1
    several = "error: lou holds several mandates (Rhône, Loire): name the area with --area."
    assert which.output.strip() == several
    assert admin(url, "roles", "lou").output.count("(revoked") == 0  # refused: nothing changed

    elsewhere = admin(url, "unverify", "lou", "--area", "75")
    assert elsewhere.exit_code == 1 and "lou holds no mandate over Paris." in elsewhere.output

    ended = admin(url, "unverify", "lou", "--area", "Loire")
    assert ended.exit_code == 0, ended.output
    assert "Présidente de la Loire — Loire (42)" in ended.output and "(revoked " in ended.output
    listed = admin(url, "roles", "lou").output
    assert "#1 lou: official" in listed and listed.count("(revoked") == 1


def test_members_are_designated_by_name_unless_two_share_it(url: str, people: People) -> None:
    people["mallory"].say("/start")
    assert admin(url, "grant", "mallory", "moderator").exit_code == 0
    assert admin(url, "roles", "Mallory").output.strip() == "#1 mallory: moderator"

    people["sam"].say("/start")
    runtime = Runtime.open(database_url=url)
    try:  # a second person also called mallory, on another platform
        from core.domain.members import Identity
        from core.presentation.context import Speaker

        runtime.chat().command(Speaker(Identity("other", "m2"), display_name="mallory"), "start")
    finally:
        runtime.close()
    both = admin(url, "roles", "mallory")
    assert both.exit_code == 1
    ambiguous = "error: Several members are called “mallory”: mallory (#1), mallory (#3). Give their number"
    assert both.output.strip().startswith(ambiguous)
    assert admin(url, "roles", "#1").output.strip() == "#1 mallory: moderator"
    nobody = admin(url, "roles", "zoe")
    assert nobody.exit_code == 1 and nobody.output.strip() == "error: No member zoe."


def test_invite_prints_a_code_that_claim_redeems_once(url: str, people: People) -> None:
    created = admin(url, "invite", "--area", "Rhône", "--title", "Président du Rhône", "--days", "10")
    assert created.exit_code == 0, created.output
    [code] = CODE.findall(created.output.splitlines()[0])
    assert f"/claim {code}" in created.output
    assert f"{code}  Président du Rhône — Rhône  [open until" in admin(url, "invites").output

    reply = people["mayor"].say(f"/claim {code}")
    assert not is_error(reply) and "Président du Rhône (Rhône)" in text_of(reply)
    assert is_error(people["eve"].say(f"/claim {code}"))

    listed = admin(url, "invites").output
    assert f"{code}  Président du Rhône — Rhône  [used by #1 mayor on" in listed
    assert "no invite codes" in admin(url, "invites", "--open").output
    assert "#1 mayor: official" in admin(url, "roles").output

    people["mayor"].say("/forget")
    assert not is_error(people["mayor"].press("Erase everything"))
    assert f"{code}  Président du Rhône — Rhône  [used by #1 former member on" in admin(url, "invites").output


def test_a_former_member_is_given_no_role_and_no_mandate(url: str, people: People) -> None:
    alice = people["alice"]
    alice.say("/forget")
    assert not is_error(alice.press("Erase everything"))
    for args in (("grant", "#1", "moderator"), ("verify", "#1", "--area", "69", "--title", "Maire")):
        result = admin(url, *args)
        assert result.exit_code == 1, (args, result.output)
        said = "Member #1 erased their account with /forget: they can no longer be given a role or a mandate."
        assert result.output.strip() == f"error: {said}"
    # An error that opens with a former member's name starts with a capital, as a sentence does.
    refused = admin(url, "revoke", "#1", "moderator")
    assert refused.exit_code == 1 and refused.output.strip() == "error: Former member is not moderator."
    assert "nobody holds a role or a mandate yet" in admin(url, "roles").output
