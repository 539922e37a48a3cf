"""/mydata, /forget and the purge (core.services.privacy)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from starlette.testclient import TestClient

from bots.web.app import build_app
from core.bootstrap import Runtime
from core.config import PrivacySettings
from core.domain.members import FORGOTTEN_NAME, Role
from core.services import admin, officials, privacy, updates
from core.storage import tables
from core.storage.member_keys import member_keys
from tests.support import Clock, People, Person, is_error, text_of
from tests.unit.test_handovers import snapshot
from tests.unit.test_linking import assert_derived_right, code_of, other, points_of, rows
from tests.unit.test_moderation import grant, publish, report


def _json_plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def test_every_member_column_has_a_forgetting_rule() -> None:
    """A table added with a member column fails here until forgetting says what it does with it."""
    found = {key.name for key in member_keys()}
    assert found == set(privacy.FORGET), (
        f"without a rule: {sorted(found - set(privacy.FORGET))}; stale: {sorted(set(privacy.FORGET) - found)}"
    )


def busy_member(runtime: Runtime, people: People, clock: Clock) -> tuple[Person, dict[str, int]]:
    """Bob, who did a bit of everything: proposed, supported, volunteered,
    followed, commented, reported, moderated, answered as an official, and
    linked a second account."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    theirs = publish(runtime, alice)
    mine = publish(runtime, bob, title="Benches along the river banks")
    assert not is_error(carol.say(f"/join {mine}"))
    assert not is_error(bob.say(f"/volunteer {theirs}"))
    assert not is_error(bob.say("/follow area Lyon"))
    assert not is_error(bob.say(f"/comment {theirs} A good idea, and cheap to do."))
    spam = publish(runtime, people["dave"], title="Buy cheap watches on my website")
    assert "Thank you" in report(bob, f"initiative {spam}", note="an advert for a shop")
    grant(runtime, bob, Role.MODERATOR)
    for who in ("carol", "erin"):
        report(people[who], f"initiative {spam}")
    clock.advance(minutes=5)
    decided = bob.say("/decide 1 remove advertising for a shop")
    assert not is_error(decided), text_of(decided)
    admin.verify_official(runtime.uow(), bob.member_id, "69123", "Maire de Lyon")
    officials.respond(
        runtime.uow(), bob.member_id, theirs, "supports", "We will plant them this autumn.", runtime.settings
    )
    bob_tg = other(people, "bob")
    assert not is_error(bob_tg.say(f"/link {code_of(bob)}"))
    return bob, {"theirs": theirs, "mine": mine, "spam": spam}


def test_mydata_exports_every_table_that_holds_the_member(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    bob, _ = busy_member(runtime, people, clock)
    bob_id = bob.member_id
    reply = bob.say("/mydata")
    assert not is_error(reply), text_of(reply)
    assert "everything possibles stores about you" in text_of(reply)
    [document] = reply.documents
    assert document.filename == f"possibles-mydata-{bob.member_id}.json"
    assert document.media_type == "application/json"
    exported = json.loads(document.content)
    assert exported["format"] == privacy.EXPORT_FORMAT
    assert exported["member"]["id"] == bob_id and exported["member"]["display_name"] == "bob"
    # Compared against the schema: one entry per column that holds a member,
    # each with every row where it holds this one.
    schema = {key.name: key for key in member_keys()}
    assert set(exported["tables"]) == set(schema)
    with runtime.uow() as uow:
        for name, key in schema.items():
            stored = uow.session.scalar(select(func.count()).where(key.column == bob_id))
            assert len(exported["tables"][name]) == stored, name
            assert all(row[key.column.name] == bob_id for row in exported["tables"][name])
            # The export reads every table in one UNION ALL: each row is
            # what the table gives read on its own, in primary key order.
            alone = uow.session.execute(
                select(key.table).where(key.column == bob_id).order_by(*key.table.primary_key.columns)
            )
            as_json = json.loads(json.dumps([dict(row._mapping) for row in alone], default=_json_plain))
            assert exported["tables"][name] == as_json, name
    held = {name for name, found in exported["tables"].items() if found}
    assert {
        "identities.member_id",
        "supports.member_id",
        "follows.member_id",
        "initiatives.author_id",
        "comments.author_id",
        "reports.reporter_id",
        "decisions.moderator_id",
        "mandates.member_id",
        "responses.official_id",
        "points.member_id",
        "leaderboard_points.member_id",
        "member_roles.member_id",
        "link_codes.member_id",
    } <= held
    platforms = {row["platform"] for row in exported["tables"]["identities.member_id"]}
    assert platforms == {"test", "tg"}
    # Nobody else's export holds bob's rows.
    carol = json.loads(people["carol"].say("/mydata").documents[0].content)
    assert all(row.get("author_id") != bob_id for row in carol["tables"]["initiatives.author_id"])


def test_mydata_in_a_group_goes_to_the_private_chat(runtime: Runtime, people: People) -> None:
    from core.presentation.context import Speaker

    bob = people["bob"]
    group = Speaker(bob.speaker.identity, "bob", "en", in_group=True, chat_address="-100")
    reply = people.chat.command(group, "mydata")
    assert reply.documents == [] and "private" in text_of(reply)


def test_forget_erases_the_person_and_keeps_what_others_rely_on(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    bob, ids = busy_member(runtime, people, clock)
    bob_id, alice_id = bob.member_id, people["alice"].member_id
    assert ("support_received", f"i{ids['theirs']}/m{bob_id}", 1) in points_of(runtime, alice_id)

    question = bob.say("/forget")
    assert not is_error(question) and "cannot be undone" in text_of(question)
    [button] = bob.actions()
    # Someone else pressing bob's button (a forged or forwarded payload) erases nobody.
    before = snapshot(runtime)
    refused = people["carol"].press_payload(button.payload)
    assert is_error(refused)
    assert snapshot(runtime) == before

    done = bob.press("Erase everything")
    assert not is_error(done), text_of(done)
    assert "erased" in text_of(done)
    again = bob.press_payload(button.payload)  # single-use (and they are someone new now)
    assert is_error(again)

    # Identities, roles, follows, points, supports: gone.
    for key in member_keys():
        rule = privacy.FORGET[key.name]
        left = rows(runtime, key.table, key.column == bob_id)
        if rule in (
            privacy.Forget.ERASE,
            privacy.Forget.WITHDRAW,
            privacy.Forget.POINTS,
            privacy.Forget.DETACH,
        ):
            assert left == [], key.name
    assert bob.member_id != bob_id  # writing again makes someone new
    assert other(people, "bob").member_id != bob_id
    member = rows(runtime, tables.members, tables.members.c.id == bob_id)[0]
    assert member.display_name == FORGOTTEN_NAME  # no name: each reader's language says "former member"
    assert member.home_area_id is None and member.leaderboard_opt_out is True
    # Supports withdrawn: the author's point for it, the kept counts and the leaderboards follow.
    assert ("support_received", f"i{ids['theirs']}/m{bob_id}", 1) not in points_of(runtime, alice_id)
    assert_derived_right(runtime)
    # What others rely on stays, under "former member".
    carol = people["carol"]  # reads English (each language: the next test)
    shown = text_of(carol.say(f"/show {ids['mine']}"))
    assert "former member" in shown and "bob" not in shown
    assert "A good idea, and cheap to do." in text_of(carol.say(f"/timeline {ids['theirs']}"))
    modlog = text_of(carol.say("/modlog"))
    assert "advertising for a shop" in modlog and "bob" not in modlog
    # The official's response stays, attributed to the mandate (now ended).
    responses = text_of(carol.say(f"/responses {ids['theirs']}"))
    assert "We will plant them this autumn." in responses and "Maire de Lyon" in responses
    assert "bob" not in responses
    [mandate] = rows(runtime, tables.mandates, tables.mandates.c.member_id == bob_id)
    assert mandate.revoked_at is not None
    # The report's note, said to the moderators alone, is gone; the report is still counted.
    [reported] = rows(runtime, tables.reports, tables.reports.c.reporter_id == bob_id)
    assert reported.note is None
    assert [e.name for e in rows(runtime, tables.outbox)][-1] == "member_forgotten"


def test_a_forgotten_author_reads_former_member_in_each_readers_language(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    bob, ids = busy_member(runtime, people, clock)
    bob.say("/forget")
    assert not is_error(bob.press("Erase everything"))
    client = TestClient(build_app(runtime), raise_server_exceptions=False)
    words = {"en": "former member", "fr": "ancien membre"}
    for language, word in words.items():
        reader = people[f"reader-{language}"]
        reader.language = language
        other_word = words["fr" if language == "en" else "en"]
        for command in (f"/show {ids['mine']}", f"/timeline {ids['theirs']}", f"/responses {ids['theirs']}"):
            shown = text_of(reader.say(command))
            assert word in shown and other_word not in shown, (language, command, shown)
        page = client.get(f"/i/{ids['mine']}?lang={language}").text
        assert word in page and other_word not in page, language
        timeline = client.get(f"/i/{ids['theirs']}?lang={language}").text
        assert word in timeline and other_word not in timeline, language
        feed = client.get(f"/i/{ids['theirs']}/feed.atom?lang={language}").text
        assert word in feed and other_word not in feed, language


@pytest.mark.parametrize(
    ("language", "stale", "gone"),
    [
        ("en", "This button is no longer valid.", "This member erased their account"),
        ("fr", "Ce bouton n'est plus valide.", "Ce membre a effacé son compte"),
    ],
)
def test_a_used_or_someone_elses_forget_button_is_no_longer_valid_and_the_profile_says_why(
    runtime: Runtime, people: People, language: str, stale: str, gone: str
) -> None:
    """Not "start again from the group" (a hand-over link's words): the
    confirmation is a button; and a former member's profile does not say
    that "former member keeps their profile private"."""
    bob, carol = people["bob"], people["carol"]
    bob.language = carol.language = language
    bob_id = bob.member_id
    bob.say("/forget")
    [button] = bob.actions()
    before = snapshot(runtime)
    refused = carol.press_payload(button.payload)  # someone else's button
    assert is_error(refused) and text_of(refused) == stale, text_of(refused)
    assert snapshot(runtime) == before
    assert not is_error(bob.press_payload(button.payload))
    after = snapshot(runtime)
    again = bob.press_payload(button.payload)  # used up (and bob is someone new now)
    assert is_error(again) and text_of(again) == stale, text_of(again)
    assert snapshot(runtime) == after
    profile = text_of(carol.say(f"/profile #{bob_id}"))
    assert gone in profile and "bob" not in profile, profile
    assert ("former member" if language == "en" else "ancien membre") in profile
    assert "private" not in profile and "privé" not in profile


def test_a_forget_token_does_nothing_else(runtime: Runtime, people: People) -> None:
    """The confirmation is a token minted for /forget: one minted for a
    hand-over does not erase anyone, and erasing needs that token."""
    from core.presentation.payloads import build
    from core.services import handovers
    from core.services.handovers import Handover, HandoverKind

    bob = people["bob"]
    token = handovers.mint(runtime.uow(), bob.member_id, Handover(HandoverKind.COMMAND, "mydata"))
    before = snapshot(runtime)
    assert is_error(bob.press_payload(build("fg", token)))
    assert is_error(bob.press_payload("v1:fg"))
    assert snapshot(runtime) == before


def _old_rows(runtime: Runtime, clock: Clock, count: int, age: timedelta) -> None:
    member_id = 1
    at = clock.now - age
    with runtime.uow() as uow:
        start = uow.session.scalar(select(func.count()).select_from(tables.deliveries)) or 0
        for n in range(start, start + count):
            uow.session.execute(
                insert(tables.deliveries).values(
                    key=f"k{n}",
                    platform="test",
                    address="1",
                    member_id=member_id,
                    kind="alert",
                    topic="i1",
                    payload={},
                    language="en",
                    state="sent" if n % 2 else "failed",
                    not_before=at,
                    created_at=at,
                )
            )
            uow.session.execute(
                insert(tables.processed_updates).values(platform="test", update_id=n, processed_at=at)
            )
        uow.commit()


def test_the_daily_purge_deletes_old_records_in_batches(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    people["alice"].say("/start")
    _old_rows(runtime, clock, 5, timedelta(days=91))
    _old_rows(runtime, clock, 2, timedelta(days=89))
    people["alice"].say("/propose")  # a flow begun and never finished
    with runtime.uow() as uow:  # a delivery still waiting to go is never purged, however old
        uow.session.execute(
            insert(tables.deliveries).values(
                key="waiting",
                platform="test",
                address="1",
                member_id=1,
                kind="alert",
                topic="i1",
                payload={},
                language="en",
                state="pending",
                not_before=clock.now - timedelta(days=200),
                created_at=clock.now - timedelta(days=200),
            )
        )
        uow.commit()
    clock.advance(days=91)
    purged = privacy.purge(runtime.uow, PrivacySettings(purge_batch=2))
    assert purged["deliveries"] == 7  # every sent or failed one, all older than 90 days now
    assert purged["processed_updates"] == 7
    assert purged["conversations"] == 1
    left = [(r.key, r.state) for r in rows(runtime, tables.deliveries)]
    assert left == [("waiting", "pending")]
    assert privacy.purge(runtime.uow, PrivacySettings(purge_batch=2))["deliveries"] == 0


def test_the_purge_keeps_what_is_younger_than_the_setting(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    people["alice"].say("/start")
    _old_rows(runtime, clock, 3, timedelta(days=91))
    _old_rows(runtime, clock, 4, timedelta(days=10))
    purged = privacy.purge(runtime.uow, PrivacySettings())
    assert purged["deliveries"] == 3
    assert len(rows(runtime, tables.deliveries)) == 4
    purged = privacy.purge(runtime.uow, PrivacySettings(keep_days=5))
    assert purged["deliveries"] == 4


@pytest.mark.parametrize("keep_days", [1, 90])
def test_processed_update_ids_are_kept_a_few_days_whatever_keep_days(
    runtime: Runtime, people: People, clock: Clock, keep_days: int
) -> None:
    """They only guard against a platform sending an update again (Telegram
    does for at most a day): the daily purge deletes them after
    updates.KEEP, neither later (keep_days=90) nor sooner (keep_days=1)."""
    people["alice"].say("/start")
    _old_rows(runtime, clock, 3, updates.KEEP + timedelta(hours=1))
    _old_rows(runtime, clock, 2, updates.KEEP - timedelta(hours=1))
    purged = privacy.purge(runtime.uow, PrivacySettings(keep_days=keep_days))
    assert purged["processed_updates"] == 3
    assert sorted(r.update_id for r in rows(runtime, tables.processed_updates)) == [3, 4]  # the young ones


def test_purge_job_is_declared_with_the_setting(runtime: Runtime) -> None:
    from datetime import UTC, datetime

    from core.config import Settings
    from notifications import scheduler

    settings = Settings(privacy={"purge_time": "03:15"}, default_time_zone="UTC")
    jobs = scheduler._jobs(Runtime(settings, runtime.database))
    assert "purge_old_data" in jobs and "purge_old_data" in scheduler.JOBS
    fire = jobs["purge_old_data"][1].get_next_fire_time(None, datetime(2026, 3, 2, 4, 0, tzinfo=UTC))
    assert fire == datetime(2026, 3, 3, 3, 15, tzinfo=UTC)


#: Statements of the press that erases a member who did a bit of everything
#: (busy_member), as measured (35 with 24 member columns): about one per
#: column that holds a member (core.storage.member_keys), and one or two per
#: support withdrawn; it grows with the schema and the member's supports,
#: not with the rest of the data.
def forget_statements() -> int:
    return len(member_keys()) + 11


def test_forget_press_statements_are_bounded(runtime: Runtime, people: People, clock: Clock) -> None:
    from benchmarks.statements import count_statements

    bob, _ = busy_member(runtime, people, clock)
    bob.say("/forget")
    [button] = bob.actions()
    with count_statements(runtime.database.engine) as count:
        done = bob.press_payload(button.payload)
    assert not is_error(done), text_of(done)
    assert count.statements <= forget_statements(), count
    assert count.transactions <= 2, count


def test_the_terminal_writes_the_file_and_prints_its_path(
    runtime: Runtime, people: People, tmp_path: Path
) -> None:
    import io

    from bots.console.session import ConsoleSession

    output = io.StringIO()
    session = ConsoleSession(people.chat, "zoé", output=output, language="fr", files=tmp_path)
    names = []
    for _ in range(2):  # the second export does not overwrite the first
        reply = session.handle("/mydata")
        assert reply is not None
        names.append(reply.documents[0].filename)
        session.show(reply)
    first = names[0]
    assert names == [first, first] and first.startswith("possibles-mydata-")
    second = first.replace(".json", "-2.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first, second])
    assert f"📎 {tmp_path / first}" in output.getvalue() and f"📎 {tmp_path / second}" in output.getvalue()
    assert json.loads((tmp_path / first).read_text(encoding="utf-8"))["member"]["display_name"] == "zoé"
    blocked = ConsoleSession(people.chat, "zoé", output=output, files=tmp_path / first / "no")
    reply = blocked.handle("/mydata")
    assert reply is not None
    blocked.show(reply)  # a path that cannot be a directory: said, no crash
    assert output.getvalue().rstrip().splitlines()[-1].startswith(f"📎 {first}: ")


def test_a_delivery_on_its_way_when_its_member_forgets_leaves_nothing_to_record(
    runtime: Runtime, people: People
) -> None:
    """The sender claimed an alert to bob and is sending it when bob erases
    everything (the delivery with it): what the sender then reports finds
    nothing to record and says so quietly, instead of failing."""
    from core.domain.deliveries import DeliveryDraft, DeliveryState
    from core.services import deliveries
    from core.storage.ledger import insert_drafts

    bob = people["bob"]
    bob.say("/start")
    with runtime.uow() as uow:
        draft = DeliveryDraft(
            key="alert:test:console:bob",
            platform="console",
            address="bob",
            kind="alert",
            topic="test",
            payload={},
            language="en",
            not_before=uow.now(),
            member_id=bob.member_id,
        )
        insert_drafts(uow, [draft])
        uow.commit()
    [due] = deliveries.due(runtime.uow(), "console")
    claimed = deliveries.claim(runtime.uow(), due.id)
    assert claimed is not None and claimed.state == DeliveryState.SENDING

    assert not is_error(bob.say("/forget"))
    assert not is_error(bob.press("Erase everything"))
    assert rows(runtime, tables.deliveries, tables.deliveries.c.id == due.id) == []

    state = deliveries.record_outcome(runtime.uow(), due.id, "sent", runtime.settings, ref="m1")
    assert state == DeliveryState.SKIPPED
    deliveries.defer(runtime.uow(), due.id, 5, "not yet")  # nothing to put back either
    assert rows(runtime, tables.deliveries, tables.deliveries.c.id == due.id) == []
