"""The world the property test plays in: the demo database (built through the
real use cases), people of every role in both languages, the ids of existing
rows, the buttons the core really shows, and every step of every flow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.bootstrap import Runtime
from core.config import Settings
from core.demo import seed_demo
from core.domain.flows import FLOW_TIMEOUT
from core.domain.members import Identity
from core.presentation.cards import Reply
from core.presentation.chat import Chat
from core.presentation.commands import default_catalog
from core.presentation.context import Speaker
from core.services import admin, contributions, flows, initiatives, members
from core.services.areas import find_area
from core.services.initiatives import Proposal
from core.storage import tables
from core.storage.database import Database
from tests.support import with_badges

__all__ = [
    "ROLES",
    "FlowState",
    "World",
    "build_world",
    "catalog_names",
    "changes",
    "parameter_names",
    "table_rows",
]

#: Every kind of person who talks to the bot. "new" is someone whose first
#: message this is; "stranger" is someone new whose platform fields
#: (id, name, language code, chat address) are generated too.
ROLES = ("member", "author", "moderator", "official", "admin", "suspended", "new", "stranger")
LANGUAGES = ("fr", "en")
PLATFORM = "fuzz"
GROUP = "-1001234567890"
PRIVATE_LINK = "https://t.me/possibles_bot?start="


def catalog_names() -> tuple[list[str], list[str], list[str]]:
    """(commands, press verbs, flows) of the catalog, sorted: the one place
    that knows how the catalog is listed."""
    catalog = default_catalog()
    return sorted(catalog.commands), sorted(catalog.presses), sorted(catalog.flows)


def parameter_names(command: str) -> list[str]:
    """The names of a command's parameters (for Chat.invoke)."""
    spec = default_catalog().command(command)
    return [p.name for p in spec.parameters] if spec is not None else []


@dataclass(frozen=True)
class FlowState:
    """A flow stopped at one step, as the core left it for someone who got
    there through the real commands, with the buttons it showed there."""

    flow: str
    step: str
    data: dict[str, Any]
    payloads: tuple[str, ...]


@dataclass(repr=False)
class World:
    database: Database
    runtime: Runtime
    chat: Chat
    #: (role, language) -> the person's platform id.
    people: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Ids of existing rows, by table (hidden and removed content included).
    ids: dict[str, list[int]] = field(default_factory=dict)
    #: Names that lookups take: areas, members, platform ids.
    names: list[str] = field(default_factory=list)
    #: Every button payload the core showed while the world was built.
    payloads: list[str] = field(default_factory=list)
    flow_states: dict[str, FlowState] = field(default_factory=dict)
    newcomers: int = 0

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"World({self.database.engine.dialect.name})"

    def speaker(self, role: str, language: str, in_group: bool) -> Speaker:
        if role == "new":
            self.newcomers += 1
            external_id = f"new-{language}-{self.newcomers}"
        else:
            external_id = self.people[(role, language)]
        return Speaker(
            Identity(PLATFORM, external_id),
            external_id,
            language,
            in_group=in_group,
            chat_address=GROUP if in_group else external_id,
            private_link=PRIVATE_LINK,
        )

    def member_id(self, speaker: Speaker) -> int:
        return members.enter(
            self.runtime.uow(),
            speaker.identity,
            speaker.display_name,
            speaker.language_code,
            self.runtime.settings,
        ).id


#: Columns legitimately written on calls whatever their answer, left out of
#: the comparison: none today. First contact (a newcomer's members and
#: identities rows, a changed platform language code) happens before the
#: "before" snapshot, since registering whoever writes is not a change
#: behind a refusal.
IGNORED_COLUMNS: frozenset[tuple[str, str]] = frozenset()


#: Tables a refusal writes to on purpose: a wrong /link code is counted
#: (five lock /link for an hour), and that count is the refusal's whole point.
RECORDED_REFUSALS: frozenset[str] = frozenset({"link_failures"})


def _kept_rows(table: str) -> str:
    """Rows left out of the comparison: conversations about to expire, since
    any call may drop an abandoned flow (flows.current), whatever its answer."""
    if table != "conversations":
        return ""
    cutoff = (datetime.now(UTC) - FLOW_TIMEOUT + timedelta(minutes=1)).replace(tzinfo=None)
    return f" WHERE t.updated_at > '{cutoff.isoformat(sep=' ')}'"


def table_rows(database: Database) -> dict[str, Any]:
    """What every table holds, in a comparable form: the rows themselves on
    SQLite (cheap, and a failure can show them), a digest per table computed
    by the server on PostgreSQL (one round trip)."""
    parts = []
    for table in tables.metadata.sorted_tables:
        if table.name in RECORDED_REFUSALS:
            continue
        columns = ", ".join(f't."{c.name}"' for c in table.c if (table.name, c.name) not in IGNORED_COLUMNS)
        parts.append((table.name, columns, _kept_rows(table.name)))
    with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            query = " UNION ALL ".join(
                f"SELECT '{name}', count(*) || ':' || coalesce(md5(string_agg(ROW({columns})::text, "
                f"'\n' ORDER BY ROW({columns})::text)), '') FROM {name} t{where}"
                for name, columns, where in parts
            )
            return dict(conn.exec_driver_sql(query).all())
        return {
            name: set(conn.exec_driver_sql(f"SELECT {columns} FROM {name} t{where}").all())
            for name, columns, where in parts
        }


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Tables whose rows differ, with the rows gone and come where known."""
    found: dict[str, Any] = {}
    for name, rows in before.items():
        if after[name] != rows:
            found[name] = (
                {"gone": sorted(map(repr, rows - after[name])), "new": sorted(map(repr, after[name] - rows))}
                if isinstance(rows, set)
                else "changed"
            )
    return found


def _keep(world: World, replies: Iterable[Reply]) -> None:
    for reply in replies:
        for card in reply.cards:
            for action in card.actions:
                if action.payload and action.payload not in world.payloads:
                    world.payloads.append(action.payload)


def _make_people(world: World) -> None:
    runtime = world.runtime
    lyon = "69123"
    for language in LANGUAGES:
        for role in ROLES:
            if role in ("new", "stranger"):
                continue
            external_id = f"{role}-{language}"
            world.people[(role, language)] = external_id
            speaker = Speaker(Identity(PLATFORM, external_id), external_id, language)
            member_id = world.member_id(speaker)
            if role in ("moderator", "admin"):
                admin.grant_role(runtime.uow(), member_id, role)
            if role == "admin":
                # Admins hold every role; a mandate too, so forged presses from
                # them reach the deepest code (an official's, a moderator's).
                admin.verify_official(runtime.uow(), member_id, "FR", "Ministre")
            elif role == "official":
                admin.verify_official(runtime.uow(), member_id, lyon, "Adjoint au maire")
            elif role == "author":
                with runtime.uow() as uow:
                    area_id = find_area(uow, lyon).id
                assert area_id is not None
                initiatives.propose(
                    runtime.uow(),
                    member_id,
                    Proposal(
                        f"Un jardin partagé rue {language.upper()}",
                        "Des bacs de culture ouverts à tous les habitants de la rue.",
                        area_id,
                        "environment",
                    ),
                    runtime.settings,
                )
            elif role == "suspended":
                # Setting the flag directly: how a member got suspended is
                # moderation's business, tested there; here it is a role.
                with runtime.uow() as uow:
                    uow.session.execute(
                        update(tables.members)
                        .where(tables.members.c.id == member_id)
                        .values(suspended_permanently=True)
                    )
                    uow.commit()


def _collect_ids(world: World) -> None:
    with world.database.engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            if "id" in table.c:
                world.ids[table.name] = list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())
        areas = conn.execute(select(tables.areas.c.name, tables.areas.c.code)).all()
        people = conn.execute(
            select(
                tables.members.c.display_name, tables.identities.c.platform, tables.identities.c.external_id
            )
            .join(tables.identities, tables.identities.c.member_id == tables.members.c.id)
            .limit(40)
        ).all()
    world.names = sorted(
        {a.name for a in areas}
        | {a.code for a in areas}
        | {p.display_name for p in people}
        | {f"{p.platform}:{p.external_id}" for p in people}
    )


def _look_around(world: World) -> None:
    """Show the core's screens to people of each role and keep their buttons."""
    chat = world.chat
    lines = [
        ("help", ""),
        ("start", ""),
        ("me", ""),
        ("browse", ""),
        ("browse", "near"),
        ("top", ""),
        ("follows", ""),
        ("modlog", ""),
        ("queue", ""),
        ("respond", ""),
        ("appeal", ""),
        ("digest", ""),
        ("quiet", ""),
        ("lang", ""),
        ("area", "Lyon"),
        ("officials", "Lyon"),
        ("search", "arbres"),
    ]
    for role in ("member", "moderator"):
        speaker = world.speaker(role, "fr", in_group=False)
        _keep(world, (chat.command(speaker, name, args) for name, args in lines))
    speaker = world.speaker("official", "en", in_group=False)
    for initiative_id in world.ids["initiatives"]:
        for name in ("show", "timeline", "responses"):
            _keep(world, [chat.command(speaker, name, str(initiative_id))])
    demo_moderator = Speaker(Identity("console", "dominique"), "Dominique", "fr")
    _keep(world, [chat.command(demo_moderator, "queue")])
    for payload in list(world.payloads):
        if payload.split(":")[1] in ("mi", "pg", "tl", "ml", "lb"):  # open what lists lead to
            _keep(world, [chat.press(demo_moderator, payload)])


def lyon_area(world: World) -> int:
    with world.runtime.uow() as uow:
        area_id = find_area(uow, "69123").id
    assert area_id is not None
    return area_id


def _walk_flows(world: World) -> None:
    """Go through every flow with the person it is for, recording each step."""
    chat = world.chat
    ids = world.ids["initiatives"]
    with world.runtime.uow() as uow:
        open_ids = list(
            uow.session.scalars(
                select(tables.initiatives.c.id).where(
                    tables.initiatives.c.status == "open", tables.initiatives.c.visibility == "visible"
                )
            )
        )
        authored = uow.session.execute(
            select(tables.initiatives.c.id, tables.identities.c.external_id)
            .join(tables.identities, tables.identities.c.member_id == tables.initiatives.c.author_id)
            .where(tables.identities.c.platform == PLATFORM)
        ).all()
        decision = uow.session.execute(
            select(tables.decisions.c.id, tables.identities.c.external_id, tables.identities.c.platform)
            .join(tables.initiatives, tables.initiatives.c.id == tables.decisions.c.target_id)
            .join(tables.identities, tables.identities.c.member_id == tables.initiatives.c.author_id)
            .where(tables.decisions.c.target_type == "initiative")
        ).first()
        lyon_open = uow.session.scalar(
            select(tables.initiatives.c.id)
            .join(tables.areas, tables.areas.c.id == tables.initiatives.c.area_id)
            .where(tables.areas.c.code == "69123", tables.initiatives.c.status.in_(("open", "goal_reached")))
        )
    assert open_ids and authored and decision is not None and lyon_open is not None and ids
    author_initiative, author = authored[0]
    member = world.speaker("member", "en", in_group=False)
    writer = Speaker(Identity(PLATFORM, author), author, "fr")
    # What its author may still edit: an initiative nobody else joined, a news
    # post and a comment of theirs.
    with world.runtime.uow() as uow:
        editable = uow.session.scalar(
            select(tables.initiatives.c.id).where(
                tables.initiatives.c.author_id == world.member_id(writer),
                tables.initiatives.c.visibility == "visible",
                tables.initiatives.c.status == "open",
                ~select(tables.supports.c.id)
                .where(
                    tables.supports.c.initiative_id == tables.initiatives.c.id,
                    tables.supports.c.member_id != tables.initiatives.c.author_id,
                )
                .exists(),
            )
        )
    if editable is None:
        editable = initiatives.propose(
            world.runtime.uow(),
            world.member_id(writer),
            Proposal(
                "Des bancs devant la mairie",
                "Pour s'asseoir en attendant l'ouverture.",
                lyon_area(world),
                "mobility",
            ),
            world.runtime.settings,
        )
    post = contributions.post_news(
        world.runtime.uow(),
        world.member_id(writer),
        editable,
        "Réunion lundi à la mairie.",
        world.runtime.settings,
    ).post_id
    comment = contributions.comment(
        world.runtime.uow(), world.member_id(writer), editable, "Qui vient lundi ?", world.runtime.settings
    )
    scripts: dict[str, tuple[Speaker, list[tuple[str, str]]]] = {
        "propose": (
            member,
            [
                ("command", "propose"),
                ("text", "Des fontaines à eau dans le parc"),
                ("text", "Trois fontaines, une à chaque entrée du parc, pour l'été."),
                ("text", "Lyon"),
                ("press", "pa"),
                ("press", "pt"),
            ],
        ),
        "comment": (member, [("command", f"comment {open_ids[0]}")]),
        "post": (
            Speaker(Identity(PLATFORM, author), author, "fr"),
            [("command", f"post {author_initiative}")],
        ),
        "report": (member, [("command", f"report i {open_ids[0]}"), ("press", "rr")]),
        "appeal": (
            Speaker(Identity(decision.platform, decision.external_id), decision.external_id, "fr"),
            [("command", f"appeal {decision.id}")],
        ),
        "edit": (writer, [("command", f"edit {editable}"), ("text", "Des bancs à l'ombre devant la mairie")]),
        "edit_post": (writer, [("command", f"editpost {post}")]),
        "edit_comment": (writer, [("command", f"editcomment {comment}")]),
        "respond": (
            world.speaker("official", "fr", in_group=False),
            [("command", f"respond {lyon_open}"), ("press", "op"), ("text", "Nous étudierons ce projet.")],
        ),
    }
    missing = set(catalog_names()[2]) - set(scripts)
    assert not missing, f"flows without a walk in tests/property/world.py: {sorted(missing)}"
    for name, (speaker, moves) in scripts.items():
        member_id = world.member_id(speaker)
        reply = Reply()
        for kind, value in moves:
            if kind == "command":
                command, _, args = value.partition(" ")
                reply = chat.command(speaker, command, args)
            elif kind == "text":
                reply = chat.text(speaker, value)
            else:
                payload = next(
                    a.payload
                    for c in reply.cards
                    for a in c.actions
                    if a.payload and a.payload.split(":")[1] == value
                )
                reply = chat.press(speaker, payload)
            _keep(world, [reply])
            conversation = flows.current(world.runtime.uow(), member_id)
            assert conversation is not None and conversation.flow == name, (name, value, reply)
            payloads = tuple(a.payload for c in reply.cards for a in c.actions if a.payload)
            world.flow_states[f"{name}:{conversation.step}"] = FlowState(
                name, conversation.step, dict(conversation.data), payloads
            )
        flows.cancel(world.runtime.uow(), member_id)


def build_world(database: Database) -> World:
    """Seed ``database`` (empty, with the schema) and look around it. The
    shipped badges are on (the rest of the suite leaves them out), so that
    generated input goes through the paths that award them."""
    settings = with_badges(Settings())
    assert settings.badges, "config/possibles.toml ships badges"
    seed_demo(database, settings)
    runtime = Runtime(settings, database)
    world = World(database, runtime, runtime.chat())
    _make_people(world)
    _collect_ids(world)
    _look_around(world)
    _walk_flows(world)
    _collect_ids(world)
    return world
