"""Open data read models (core.services.open_data) and the operator's figures
(core.services.operations)."""

from __future__ import annotations

from core.bootstrap import Runtime
from core.services import admin, moderation, open_data, operations
from tests.support import Clock, People, propose


def hide(runtime: Runtime, people: People, initiative_id: int) -> None:
    """Three distinct reports hide it pending review."""
    for name in ("rita", "ravi", "rosa"):
        reporter = people[name].member_id
        moderation.report(
            runtime.uow(), reporter, "initiative", initiative_id, "spam", None, runtime.settings
        )


def test_every_visible_initiative_with_the_officials_it_is_addressed_to(
    runtime: Runtime, people: People, clock: Clock
) -> None:
    lyon = propose(people, "alice", "Trees on the village square", area="Lyon")
    paris = propose(people, "bob", "Benches along the river Seine", area="Paris")
    hidden = propose(people, "carol", "Cheap watches for everybody here", area="Lyon")
    admin.verify_official(runtime.uow(), people["sacha"].member_id, "69123", "Maire de Lyon")
    admin.verify_official(runtime.uow(), people["noa"].member_id, "69", "Président du Rhône")
    admin.verify_official(runtime.uow(), people["mael"].member_id, "R11", "Présidente de région")
    ended = people["old"].member_id
    admin.verify_official(runtime.uow(), ended, "69123", "Ancien maire de Lyon")
    admin.unverify_official(runtime.uow(), ended)
    hide(runtime, people, hidden)
    clock.advance(days=1)
    people["dan"].say(f"/join {lyon}")

    found = {i.id: i for i in open_data.all_initiatives(runtime.uow())}
    assert set(found) == {lyon, paris}
    assert found[lyon].targets == ("sacha, Maire de Lyon", "noa, Président du Rhône")
    assert found[paris].targets == ("mael, Présidente de région",)
    assert found[lyon].supporters == 2 and found[lyon].area_code == "69123"
    assert found[lyon].modified_at == found[lyon].created_at  # a support is no change of the initiative

    record = open_data.officials_record(runtime.uow())
    assert sorted(record.names.values()) == ["mael", "noa", "old", "sacha"]
    ended_mandate = next(m for m in record.mandates if m.member_id == ended)
    assert ended_mandate.end is not None and ended_mandate.title == "Ancien maire de Lyon"
    assert all(m.end is None for m in record.mandates if m.member_id != ended)


def test_the_operators_figures_come_from_the_database(runtime: Runtime, people: People) -> None:
    assert operations.database_reachable(runtime.uow())
    before = operations.gauges(runtime.uow())
    assert before.review_queue == 0 and before.digest_lag_seconds == 0.0
    hidden = propose(people, "carol", "Cheap watches for everybody here")
    hide(runtime, people, hidden)
    assert operations.gauges(runtime.uow()).review_queue == 1
