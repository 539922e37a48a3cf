"""Areas: the shipped tree of France, search, the tree around an area, and
/area in the chat."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from core.bootstrap import Runtime
from core.errors import InvalidInput, NotFound
from core.services import area_import, areas, members
from core.services.area_import import DEFAULT_AREAS, read_csv
from core.storage import tables
from tests.support import People, is_error, text_of

# --- the shipped file ------------------------------------------------------

#: INSEE region code -> number of departments (COG since 2016).
DEPARTMENTS_PER_REGION = {
    "R01": 1, "R02": 1, "R03": 1, "R04": 1, "R06": 1,
    "R11": 8, "R24": 6, "R27": 8, "R28": 5, "R32": 5, "R44": 10, "R52": 5,
    "R53": 4, "R75": 12, "R76": 13, "R84": 12, "R93": 6, "R94": 2,
}  # fmt: skip


def shipped() -> dict[str, area_import.AreaRow]:
    rows = list(read_csv(DEFAULT_AREAS))
    codes = [row.code for row in rows]
    assert len(codes) == len(set(codes)), [c for c, n in Counter(codes).items() if n > 1]
    return {row.code: row for row in rows}


def test_shipped_file_is_france_with_its_18_regions_and_101_departments() -> None:
    rows = shipped()
    assert Counter(row.level for row in rows.values()) == {"nation": 1, "region": 18, "department": 101}
    assert rows["FR"].parent_code is None and rows["FR"].name == "France"
    departments = {code for code, row in rows.items() if row.level == "department"}
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"}
    assert departments == expected
    for row in rows.values():
        if row.level == "region":
            assert row.parent_code == "FR"
        if row.level == "department":
            assert rows[row.parent_code or ""].level == "region", row
    per_region = Counter(row.parent_code for row in rows.values() if row.level == "department")
    assert per_region == DEPARTMENTS_PER_REGION


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        ("44", "Loire-Atlantique", "R52"),
        ("67", "Bas-Rhin", "R44"),
        ("2A", "Corse-du-Sud", "R94"),
        ("2B", "Haute-Corse", "R94"),
        ("21", "Côte-d'Or", "R27"),
        ("90", "Territoire de Belfort", "R27"),
        ("95", "Val-d'Oise", "R11"),
        ("974", "La Réunion", "R04"),
        ("976", "Mayotte", "R06"),
        ("69", "Rhône", "R84"),
        ("13", "Bouches-du-Rhône", "R93"),
    ],
)
def test_departments_sit_in_their_real_region(code: str, name: str, region: str) -> None:
    rows = shipped()
    assert (rows[code].name, rows[code].parent_code) == (name, region)


def test_region_names_are_spelled_as_insee_does() -> None:
    rows = shipped()
    assert rows["R84"].name == "Auvergne-Rhône-Alpes"
    assert rows["R11"].name == "Île-de-France"
    assert rows["R93"].name == "Provence-Alpes-Côte d'Azur"
    assert rows["R24"].name == "Centre-Val de Loire"
    assert rows["R27"].name == "Bourgogne-Franche-Comté"


# --- search ------------------------------------------------------------------


@pytest.fixture
def france(runtime: Runtime) -> Runtime:
    """The small test tree (with Lyon, Saint-Étienne, Paris), then the
    shipped file on top of it: nothing is added twice."""
    area_import.import_areas(runtime.uow(), read_csv(DEFAULT_AREAS))
    return runtime


def found(runtime: Runtime, query: str, limit: int = 8) -> list[str]:
    with runtime.uow() as uow:
        return [area.code for area in areas.search_areas(uow, query, limit)]


def test_the_shipped_file_merges_with_what_is_stored(france: Runtime) -> None:
    with france.uow() as uow:
        assert areas.count_areas(uow) == 120 + 3  # the three communes of the small tree


@pytest.mark.parametrize(
    "query",
    ["saint etienne", "Saint-Étienne", "SAINT ETIENNE", "st-étienne", "saint-etienne!", "  saint   étienne "],
)
def test_search_ignores_accents_case_and_punctuation(france: Runtime, query: str) -> None:
    assert found(france, query)[0] == "42218"


def test_search_finds_regions_by_plain_words(france: Runtime) -> None:
    assert found(france, "ile de france")[0] == "R11"
    assert found(france, "cote dor")[0] == "21"
    assert found(france, "provence alpes cote d azur")[0] == "R93"


@pytest.mark.parametrize(("query", "code"), [("69", "69"), ("R84", "R84"), ("r84", "R84"), ("2a", "2A")])
def test_an_exact_code_comes_first(france: Runtime, query: str, code: str) -> None:
    assert found(france, query)[0] == code


def test_an_exact_code_beats_a_name_that_contains_it(france: Runtime) -> None:
    area_import.import_areas(
        france.uow(),
        [
            area_import.AreaRow("69999", "69", "69", "commune"),
            area_import.AreaRow("R84X", "R84", "69", "commune"),
        ],
    )
    assert found(france, "69")[:2] == ["69", "69999"]
    assert found(france, "R84")[:2] == ["R84", "R84X"]


def test_larger_areas_come_before_smaller_ones_when_equally_good(france: Runtime) -> None:
    assert found(france, "paris")[:2] == ["75", "75056"]
    assert found(france, "guadeloupe") == ["R01", "971"]
    assert found(france, "la reunion") == ["R04", "974"]


def test_exact_name_then_prefix_then_word(france: Runtime) -> None:
    results = found(france, "loire", limit=20)
    assert results[0] == "42"  # Loire itself
    assert set(results[1:3]) == {"44", "45"}  # Loire-Atlantique, Loiret start with it
    assert {"43", "49", "71", "R52", "R24"} <= set(results[3:])  # Haute-Loire, Pays de la Loire...
    assert results.index("R52") < results.index("43")  # a region before a department, equally good


def test_search_without_match_or_words(france: Runtime) -> None:
    assert found(france, "atlantis") == []
    with pytest.raises(InvalidInput), france.uow() as uow:
        areas.search_areas(uow, " -'- ")


def test_find_area_by_id_code_or_name(france: Runtime) -> None:
    with france.uow() as uow:
        lyon = areas.find_area(uow, "69123")
        assert lyon.name == "Lyon"
        assert areas.find_area(uow, f"#{lyon.id}").code == "69123"
        assert areas.find_area(uow, "haute corse").code == "2B"
        with pytest.raises(NotFound):
            areas.find_area(uow, "atlantis")
        with pytest.raises(NotFound):
            areas.find_area(uow, "#999999")


def test_lookup_describes_what_contains_each_match(france: Runtime) -> None:
    view = areas.lookup_areas(france.uow(), "lyon")[0]
    assert (view.code, view.level, view.parent_code) == ("69123", "commune", "69")
    assert view.ancestors == ("Rhône", "Auvergne-Rhône-Alpes", "France")


# --- the tree around an area ------------------------------------------------------


def ids_by_code(runtime: Runtime) -> dict[str, int]:
    with runtime.uow() as uow:
        return {
            code: id_ for code, id_ in uow.session.execute(select(tables.areas.c.code, tables.areas.c.id))
        }


def test_near_an_area_means_itself_what_contains_it_and_what_it_directly_contains(runtime: Runtime) -> None:
    ids = ids_by_code(runtime)
    with runtime.uow() as uow:
        assert areas.near_area_ids(uow, ids["69"]) == [ids["69"], ids["R84"], ids["FR"], ids["69123"]]
        assert areas.near_area_ids(uow, ids["69123"]) == [ids["69123"], ids["69"], ids["R84"], ids["FR"]]
        near_region = areas.near_area_ids(uow, ids["R84"])
        assert near_region[:2] == [ids["R84"], ids["FR"]]
        assert sorted(near_region[2:]) == sorted([ids["69"], ids["42"]])  # not the communes
        with pytest.raises(NotFound):
            areas.near_area_ids(uow, 999_999)


def test_descendants_and_subtree_filter_cover_every_depth(runtime: Runtime) -> None:
    ids = ids_by_code(runtime)
    r84 = {ids[c] for c in ("R84", "69", "69123", "42", "42218")}
    with runtime.uow() as uow:
        assert set(areas.descendant_ids(uow, ids["R84"])) == r84
        assert areas.descendant_ids(uow, ids["75056"]) == [ids["75056"]]
        inside = areas.subtree_filter(uow, ids["R84"], tables.areas.c.id)
        assert set(uow.session.scalars(select(tables.areas.c.id).where(inside))) == r84
        assert [a.code for a in areas.area_children(uow, ids["R84"])] == ["42", "69"]
        lyon = areas.get_area(uow, ids["69123"])
        assert [a.code for a in areas.ancestors(uow, lyon)] == ["69", "R84", "FR"]


# --- /area in the chat --------------------------------------------------------


def home_of(people: People, name: str) -> int | None:
    person = people[name]
    chat = person.chat
    return members.enter(chat.uow_factory(), person.speaker.identity, name, "en", chat.settings).home_area_id


def test_area_without_argument_invites_to_choose_one(people: People) -> None:
    reply = people["alice"].say("/area")
    assert not is_error(reply)
    assert "not said where you live" in text_of(reply)


def test_choosing_a_home_area_with_buttons(people: People, runtime: Runtime) -> None:
    alice = people["alice"]
    choices = alice.say("/area saint etienne")
    assert "Saint-Étienne, Loire (commune 42218)" in text_of(choices)
    done = alice.press("Saint-Étienne")
    assert not is_error(done) and done.edit
    assert "Your area is now Saint-Étienne." in text_of(done)
    assert home_of(people, "alice") == ids_by_code(runtime)["42218"]
    shown = text_of(alice.say("/area"))
    assert "Saint-Étienne (commune 42218)" in shown
    assert "Inside: Loire, Auvergne-Rhône-Alpes, France" in shown


def test_area_speaks_french(people: People) -> None:
    zoe = people["zoe"]
    zoe.language = "fr"
    zoe.say("/area ile de france")
    assert "Votre territoire est désormais Île-de-France." in text_of(zoe.press("Île-de-France"))
    assert "Dans\u00a0: France" in text_of(zoe.say("/area"))
    assert "Aucun territoire ne correspond à «\u00a0atlantide\u00a0»" in text_of(zoe.say("/area atlantide"))


def test_a_forged_or_stale_button_changes_nothing(people: People, runtime: Runtime) -> None:
    bob = people["bob"]
    bob.say("/area 69123")
    bob.press("Lyon")
    lyon = ids_by_code(runtime)["69123"]
    assert is_error(bob.press_payload("v1:ha:999999"))
    assert is_error(bob.press_payload("v1:ha:abc"))
    assert is_error(bob.press_payload("v1:ha"))
    assert home_of(people, "bob") == lyon


def test_area_is_in_the_help(people: People) -> None:
    assert "/area [NAME|CODE]" in text_of(people["alice"].say("/help"))


def test_a_path_is_read_in_one_place() -> None:
    from core.domain.areas import Area, path_ids

    assert path_ids("/1/5/42/") == [1, 5, 42]
    assert path_ids("/") == [] and path_ids("") == []
    assert Area("69123", "Lyon", "commune", "lyon", path="/1/5/42/").ancestor_ids == [1, 5, 42]
