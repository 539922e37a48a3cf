"""France ships whole: the communes file, its load into an empty database, and
what people then find (/area by name, INSEE code or postal code; the
/propose area step; /search by an area's name)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.bootstrap import Runtime
from core.config import Settings
from core.services import area_import, areas
from core.services.area_import import COMMUNES, DEFAULT_AREAS, read_csv, shipped_rows
from core.storage import tables
from core.storage.database import Database
from tests.support import Clock, People, is_error, text_of


def test_the_communes_file_holds_every_commune_of_the_shipped_departments() -> None:
    departments = {row.code for row in read_csv(DEFAULT_AREAS) if row.level == "department"}
    rows = list(read_csv(COMMUNES))
    assert 34_800 < len(rows) < 35_100
    assert Counter(row.level for row in rows) == {"commune": len(rows)}
    assert len({row.code for row in rows}) == len(rows)
    assert {row.parent_code for row in rows} == departments  # every department has communes
    by_code = {row.code: row for row in rows}
    assert (by_code["69123"].name, by_code["69123"].postal_codes) == (
        "Lyon",
        tuple(f"6900{n}" for n in range(1, 10)),
    )
    assert by_code["42218"].name == "Saint-Étienne" and "42000" in (by_code["42218"].postal_codes or ())
    assert by_code["2A004"].name == "Ajaccio"
    assert sum(1 for row in rows if row.postal_codes) > 34_800
    header = COMMUNES.read_text(encoding="utf-8").split("\ncode,", 1)[0]
    assert "Licence Ouverte" in header and "scripts/france_areas.py" in header


@pytest.fixture
def fresh(database: Database, clock: Clock) -> Runtime:
    """An empty database, as `possibles run` finds it the first time."""
    return Runtime(Settings(), database, clock)


def _counts(runtime: Runtime) -> tuple[int, int]:
    with runtime.uow() as uow:
        session = uow.session
        return (
            session.scalar(select(func.count()).select_from(tables.areas)) or 0,
            session.scalar(select(func.count()).select_from(tables.area_postal_codes)) or 0,
        )


def test_a_fresh_database_knows_frances_communes(fresh: Runtime) -> None:
    loaded = area_import.load_default_areas(fresh.uow())
    assert loaded == len(shipped_rows()) > 34_900
    assert area_import.load_default_areas(fresh.uow()) == 0  # only into an empty tree
    counts = _counts(fresh)
    assert counts[0] == loaded and counts[1] > 35_000

    people = People(fresh.chat())
    alice = people["alice"]
    for query in ("Lyon", "69123", "69001"):
        reply = alice.say(f"/area {query}")
        assert "Lyon, Rhône (commune 69123)" in text_of(reply), query
    assert text_of(alice.say("/area 69001")).index("Affoux") < text_of(alice.say("/area 69001")).index("Lyon")
    assert "Lyon" in text_of(alice.press("Lyon"))
    assert "Paris, Paris (commune 75056)" in text_of(alice.say("/area 75116"))

    alice.say("/propose")
    alice.say("Trees on the square of the town hall")
    alice.say("The square has no shade in summer; plant ten lime trees.")
    step = alice.say("saint etienne")
    assert not is_error(step)
    assert "Saint-Étienne, Loire (commune 42218)" in text_of(step)
    assert "Saint-Étienne, Loire (commune 42218)" in text_of(alice.say("st-étienne"))

    # Loading the shipped file again into a full tree changes nothing.
    assert area_import.import_areas(fresh.uow(), shipped_rows()) == loaded
    assert _counts(fresh) == counts


def test_search_finds_initiatives_by_their_areas_name(fresh: Runtime) -> None:
    from tests.support import propose

    area_import.load_default_areas(fresh.uow())
    people = People(fresh.chat())
    ours = propose(people, "alice", "Benches along the Furan river", area="Saint-Étienne")
    propose(people, "bob", "Benches along the Rhône quays", area="Lyon")
    zoe = people["zoe"]
    found = zoe.say("/search saint etienne")
    assert f"#{ours}" in text_of(found) and "Rhône quays" not in text_of(found)
    assert "“saint etienne”" in text_of(found)
    headed = zoe.say("/search Saint-Étienne")
    assert "“Saint-Étienne”" in text_of(headed) and f"#{ours}" in text_of(headed)
    assert f"#{ours}" in text_of(zoe.say("/search benches st etienne"))  # words and place together
    assert f"#{ours}" not in text_of(zoe.say("/search benches lyon"))
    with fresh.uow() as uow:
        assert areas.find_area(uow, "42100").code == "42100"  # an INSEE code before a postal code


def test_the_script_builds_both_files_from_etalabs_package(tmp_path: Path) -> None:
    """scripts/france_areas.py on a tiny package of the same shape: regions
    and departments of overseas collectivities, municipal arrondissements and
    delegated communes are left out; postal codes stay with their commune."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("france_areas", root / "scripts" / "france_areas.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    data = {
        "regions.json": [{"code": "84", "nom": "Auvergne-Rhône-Alpes"}, {"code": "94", "nom": "Corse"},
                         {"code": "975", "nom": "Saint-Pierre-et-Miquelon"}],
        "departements.json": [{"code": "69", "region": "84", "nom": "Rhône"},
                              {"code": "2A", "region": "94", "nom": "Corse-du-Sud"},
                              {"code": "21", "region": "84", "nom": "Pas en Corse"},
                              {"code": "975", "region": "975", "nom": "Saint-Pierre-et-Miquelon"}],
        "communes.json": [
            {"code": "69123", "nom": "Lyon", "type": "commune-actuelle", "departement": "69",
             "codesPostaux": ["69002", "69001"]},
            {"code": "69381", "nom": "Lyon 1er Arrondissement", "type": "arrondissement-municipal",
             "departement": "69", "codesPostaux": ["69001"]},
            {"code": "2A004", "nom": "Ajaccio", "type": "commune-actuelle", "departement": "2A",
             "codesPostaux": ["20000"]},
            {"code": "21001", "nom": "Agencourt", "type": "commune-actuelle", "departement": "21"},
            {"code": "69999", "nom": "Ancienne", "type": "commune-deleguee", "departement": "69"},
            {"code": "97501", "nom": "Miquelon-Langlade", "type": "commune-actuelle", "departement": "975",
             "codesPostaux": ["97500"]},
        ],
    }  # fmt: skip
    for name, content in data.items():
        (package / "data" / name).write_text(json.dumps(content), encoding="utf-8")
    assert script.generate(package, tmp_path) == (2, 3, 3)
    tree = [(r.code, r.name, r.parent_code, r.level) for r in read_csv(tmp_path / "france.csv")]
    assert tree == [
        ("FR", "France", None, "nation"),
        ("R84", "Auvergne-Rhône-Alpes", "FR", "region"),
        ("R94", "Corse", "FR", "region"),
        ("2A", "Corse-du-Sud", "R94", "department"),
        ("21", "Pas en Corse", "R84", "department"),
        ("69", "Rhône", "R84", "department"),
    ]
    communes = [(r.code, r.parent_code, r.postal_codes) for r in read_csv(tmp_path / "communes.csv")]
    assert communes == [("2A004", "2A", ("20000",)), ("21001", "21", ()), ("69123", "69", ("69001", "69002"))]
    assert "9.9.9" in (tmp_path / "communes.csv").read_text(encoding="utf-8").split("\n")[1]
