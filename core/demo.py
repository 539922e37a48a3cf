"""``possibles demo``: a living database for newcomers.

Everything goes through the same use cases people trigger from the chat, on a
clock that walks through the last half-year, so the demo shows initiatives in
every state, news, comments, official responses, reports, a review queue and
a public moderation log. Demo members are terminal identities: try
``possibles chat --as camille``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.clock import ManualClock
from core.config import Settings
from core.domain.members import Identity
from core.domain.supports import SupportKind
from core.errors import InvalidState
from core.services import (
    admin,
    area_import,
    contributions,
    initiatives,
    members,
    moderation,
    officials,
    supports,
)
from core.services.area_import import AreaRow
from core.services.areas import find_area
from core.services.initiatives import Proposal
from core.storage.database import Database
from core.storage.uow import UnitOfWork

__all__ = ["DemoSummary", "seed_demo"]

COMMUNES = [
    AreaRow("69123", "Lyon", "69", "commune"),
    AreaRow("69266", "Villeurbanne", "69", "commune"),
    AreaRow("42218", "Saint-Étienne", "42", "commune"),
    AreaRow("75056", "Paris", "75", "commune"),
    AreaRow("13055", "Marseille", "13", "commune"),
    AreaRow("33063", "Bordeaux", "33", "commune"),
    AreaRow("59350", "Lille", "59", "commune"),
    AreaRow("44109", "Nantes", "44", "commune"),
    AreaRow("38185", "Grenoble", "38", "commune"),
]

NAMES: tuple[str, ...] = (
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Maël",
    "Lou",
    "Noa",
    "Eden",
    "Charlie",
    "Léa",
    "Hugo",
    "Inès",
    "Lucas",
    "Jade",
    "Louis",
    "Chloé",
    "Gabriel",
    "Manon",
    "Arthur",
    "Emma",
    "Jules",
    "Zoé",
    "Adam",
    "Louise",
    "Raphaël",
    "Alice",
    "Nathan",
    "Lina",
    "Ethan",
    "Rose",
    "Tom",
    "Anna",
    "Paul",
    "Julia",
    "Sami",
    "Yasmine",
    "Karim",
    "Fatou",
    "Moussa",
    "Aïcha",
    "Mehdi",
    "Nour",
    "Ilyes",
    "Sofia",
    "Théo",
    "Clara",
    "Malik",
    "Elsa",
    "Victor",
    "Margaux",
    "Bastien",
    "Océane",
    "Jean",
    "Marie",
    "Pierre",
    "Sophie",
    "Nicolas",
    "Julie",
    "Antoine",
    "Laura",
    "Mathieu",
    "Sarah",
    "Kevin",
    "Pauline",
    "Romain",
    "Élodie",
    "Thomas",
    "Céline",
)


@dataclass
class DemoSummary:
    members: int = 0
    initiatives: int = 0
    supports: int = 0
    posts: int = 0
    comments: int = 0
    responses: int = 0
    reports: int = 0
    decisions: int = 0
    states: dict[str, int] = field(default_factory=dict)


class _Demo:
    def __init__(self, database: Database, settings: Settings, clock: ManualClock) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.people: dict[str, int] = {}
        self.authors: dict[int, str] = {}
        self.summary = DemoSummary()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.database,
            self.clock,
            time_zone=self.settings.default_time_zone,
            badges=self.settings.badge_book(),
        )

    def person(self, name: str) -> int:
        if name not in self.people:
            view = members.enter(self.uow(), Identity("console", name.lower()), name, "fr", self.settings)
            self.people[name] = view.id
            self.summary.members += 1
        return self.people[name]

    def area(self, code: str) -> int:
        with self.uow() as uow:
            found = find_area(uow, code)
            assert found.id is not None
            return found.id

    def propose(
        self, author: str, title: str, description: str, area: str, topic: str, counter_to: int | None = None
    ) -> int:
        initiative_id = initiatives.propose(
            self.uow(),
            self.person(author),
            Proposal(title, description, self.area(area), topic, counter_to),
            self.settings,
        )
        self.summary.initiatives += 1
        self.authors[initiative_id] = author
        return initiative_id

    def join(self, initiative_id: int, names: Sequence[str], volunteers: int = 0) -> None:
        others = [name for name in names if name != self.authors.get(initiative_id)]
        for index, name in enumerate(others):
            kind = SupportKind.VOLUNTEER if index < volunteers else SupportKind.SUPPORTER
            supports.support(self.uow(), self.person(name), initiative_id, kind)
            self.summary.supports += 1
            self.clock.advance(minutes=37)

    def post(self, author: str, initiative_id: int, text: str) -> None:
        contributions.post_news(self.uow(), self.person(author), initiative_id, text, self.settings)
        self.summary.posts += 1

    def comment(self, author: str, initiative_id: int, text: str) -> int:
        comment_id = contributions.comment(
            self.uow(), self.person(author), initiative_id, text, self.settings
        )
        self.summary.comments += 1
        return comment_id

    def respond(self, official: str, initiative_id: int, position: str, text: str) -> None:
        officials.respond(self.uow(), self.person(official), initiative_id, position, text, self.settings)
        self.summary.responses += 1

    def report(
        self, names: list[str], target_type: str, target_id: int, reason: str, note: str | None = None
    ) -> None:
        for index, name in enumerate(names):
            first_note = note if index == 0 else None
            moderation.report(
                self.uow(), self.person(name), target_type, target_id, reason, first_note, self.settings
            )
            self.summary.reports += 1

    def decide_oldest(self, moderator: str, action: str, reason: str) -> None:
        page = moderation.queue(self.uow(), self.person(moderator))
        item = page.entries[0]
        moderation.decide(self.uow(), self.person(moderator), item.item_id, action, reason, self.settings)
        self.summary.decisions += 1


def seed_demo(
    database: Database, settings: Settings, *, step: Callable[[str], None] | None = None
) -> DemoSummary:
    """Fill an empty database; InvalidState when it already holds initiatives."""
    say = step or (lambda _: None)
    clock = ManualClock(datetime.now(UTC) - timedelta(days=200))
    demo = _Demo(database, settings, clock)
    with demo.uow() as uow:
        if initiatives.count_all(uow):
            raise InvalidState("error.demo_not_empty")
    say("areas")
    area_import.import_areas(demo.uow(), area_import.with_defaults(demo.uow(), COMMUNES))
    crowd = NAMES[5:]

    say("members and roles")
    for name, role in (("Dominique", "moderator"), ("Claude", "moderator"), ("Alix", "admin")):
        admin.grant_role(demo.uow(), demo.person(name), role)
    admin.verify_official(demo.uow(), demo.person("Sacha"), "69123", "Maire de Lyon")
    admin.verify_official(demo.uow(), demo.person("Maël"), "75056", "Maire de Paris")
    admin.verify_official(demo.uow(), demo.person("Lou"), "42218", "Maire de Saint-Étienne")
    admin.verify_official(demo.uow(), demo.person("Noa"), "69", "Président du département du Rhône")

    say("initiatives")
    # 1. Expired: open 180 days without reaching its goal.
    lights = demo.propose(
        "Emma",
        "Éteindre l'éclairage public de 1 h à 5 h",
        "Moins de dépenses, moins de pollution lumineuse, un ciel étoilé retrouvé.",
        "44109",
        "environment",
    )
    demo.join(lights, crowd[:6])
    clock.advance(days=15)

    # 2. In action: goal reached, answered by the mayor, works started.
    trees = demo.propose(
        "Camille",
        "Des arbres sur la place du Pont",
        "La place est une dalle brûlante l'été. Plantons une vingtaine d'arbres et installons des bancs à "
        "l'ombre, avec les habitants du quartier.",
        "69123",
        "environment",
    )
    demo.join(trees, crowd[:55], volunteers=6)
    demo.post(
        "Camille", trees, "Nous avons rencontré les paysagistes de la ville : 18 tilleuls sont possibles."
    )
    demo.comment("Jade", trees, "Pensez aux essences qui supportent la sécheresse !")
    clock.advance(days=9)
    demo.respond("Sacha", trees, "supports", "La Ville soutient ce projet : plantation prévue cet automne.")
    clock.advance(days=30)
    initiatives.progress(demo.uow(), demo.person("Camille"), trees, "in_action")
    demo.post("Camille", trees, "Les travaux ont commencé lundi. Merci à toutes et tous !")

    # 3. Achieved, the whole way: proposed, goal reached, answered by the
    # department, in action, achieved, with news at each step (its feed tells it).
    compost = demo.propose(
        "Léa",
        "Un composteur partagé par quartier",
        "Réduire nos déchets et nourrir les jardins partagés.",
        "69266",
        "environment",
    )
    demo.join(compost, crowd[8:60], volunteers=4)
    demo.post("Léa", compost, "Objectif atteint ! Dites-nous où vous voudriez un composteur.")
    clock.advance(days=5)
    demo.respond("Noa", compost, "supports", "Le Département financera les trois premiers composteurs.")
    clock.advance(days=10)
    initiatives.progress(demo.uow(), demo.person("Léa"), compost, "in_action")
    demo.post("Léa", compost, "Les bacs sont commandés : installation samedi avec les volontaires.")
    clock.advance(days=20)
    initiatives.progress(demo.uow(), demo.person("Léa"), compost, "achieved")
    demo.post("Léa", compost, "Trois composteurs sont installés et déjà bien remplis !")

    # 4. Goal reached, awaiting the mayor's response.
    bikes = demo.propose(
        "Hugo",
        "Une piste cyclable sur le cours Fauriel",
        "Une piste protégée, continue, de la place du Peuple au campus.",
        "42218",
        "mobility",
    )
    demo.join(bikes, crowd[:52], volunteers=3)
    demo.comment("Nathan", bikes, "Enfin ! Je fais ce trajet tous les jours.")
    # 5. Its counter-proposal.
    bus = demo.propose(
        "Louis",
        "Plutôt une voie de bus sur le cours Fauriel",
        "Les bus transportent plus de monde : donnons-leur la priorité.",
        "42218",
        "mobility",
        counter_to=bikes,
    )
    demo.join(bus, crowd[52:60])
    clock.advance(days=12)

    # 6. Answered (will study), in Paris.
    schools = demo.propose(
        "Inès",
        "Ouvrir les cours d'école le week-end",
        "Les cours d'école sont des îlots de fraîcheur fermés le samedi et le dimanche.",
        "75056",
        "education",
    )
    demo.join(schools, crowd[20:45])
    demo.respond(
        "Maël", schools, "will_study", "Une expérimentation dans dix écoles sera étudiée au conseil de juin."
    )

    # 7. Withdrawn by its author.
    free = demo.propose(
        "Jules",
        "Transports gratuits le dimanche",
        "Pour que chacun puisse sortir le week-end.",
        "59350",
        "mobility",
    )
    demo.join(free, crowd[30:34])
    initiatives.withdraw_initiative(demo.uow(), demo.person("Jules"), free)

    # 8. Open, national, gathering support.
    national = demo.propose(
        "Chloé",
        "Un droit d'initiative citoyenne dans chaque commune",
        "Qu'une pétition signée par 5 % des habitants oblige le conseil municipal à en débattre.",
        "FR",
        "democracy",
    )
    demo.join(national, crowd[:38], volunteers=5)
    # 9. Open, local.
    benches = demo.propose(
        "Manon",
        "Des bancs le long des quais",
        "Pour que les aînés puissent se reposer en chemin.",
        "33063",
        "solidarity",
    )
    demo.join(benches, crowd[40:52], volunteers=2)
    chat = demo.comment("Adam", benches, "Et des fontaines à eau aussi ?")

    say("moderation")
    # 10. Spam: three reports hide it, a moderator removes it.
    spam = demo.propose(
        "Kevin",
        "Montres de luxe à prix cassés",
        "Écrivez-moi pour des montres pas chères, livraison rapide.",
        "13055",
        "economy",
    )
    demo.report(["Camille", "Léa", "Hugo"], "initiative", spam, "spam")
    demo.decide_oldest("Dominique", "remove", "spam")
    # 11. Hidden pending review: in the queue right now.
    market = demo.propose(
        "Arthur",
        "Un marché de producteurs place Saint-Bruno",
        "Chaque samedi matin, des producteurs à moins de 50 km.",
        "38185",
        "economy",
    )
    demo.join(market, crowd[:7])
    demo.report(["Rose", "Tom", "Anna"], "initiative", market, "off_topic", "Ce marché existe déjà.")
    # 12. One report on a comment: visible, nothing to review yet.
    demo.report(["Paul"], "comment", chat, "off_topic")

    # Back to the present: what has run out of time expires, as the scheduler would do.
    initiatives.expire_due(UnitOfWork(database))
    with demo.uow() as uow:
        demo.summary.states = initiatives.count_by_status(uow)
    return demo.summary
