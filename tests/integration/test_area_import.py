"""Importing area trees: France's 35,000 communes, re-imports, moves, bad
files (which change nothing), and the ``possibles areas`` command."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bots.cli import app
from core.bootstrap import Runtime
from core.errors import InvalidInput
from core.presentation.i18n import translate
from core.services import areas
from core.services.area_import import DEFAULT_AREAS, AreaRow, import_areas, read_csv
from core.storage import tables
from core.storage.database import Database
from core.storage.uow import UnitOfWork

HEADER = "code,name,parent_code,level\n"

Tree = dict[str, tuple[int, str, str, str | None, str]]


def tree(database: Database) -> Tree:
    """code -> (id, name, level, parent code, path), straight from the table."""
    a = tables.areas.c
    with database.engine.connect() as conn:
        rows = conn.execute(select(a.id, a.code, a.name, a.level, a.parent_id, a.path)).all()
    code_of = {row.id: row.code for row in rows}
    return {
        row.code: (
            row.id,
            row.name,
            row.level,
            code_of.get(row.parent_id) if row.parent_id else None,
            row.path,
        )
        for row in rows
    }


def assert_paths_consistent(current: Tree) -> None:
    for code, (id_, _name, _level, parent, path) in current.items():
        expected = (current[parent][4] if parent else "/") + f"{id_}/"
        assert path == expected, code


def write_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "parent_code", "level"])
        writer.writerows(rows)
    return path


def communes(count: int) -> list[tuple[str, str, str, str]]:
    """``count`` communes spread over the shipped departments, shuffled."""
    departments = [row.code for row in read_csv(DEFAULT_AREAS) if row.level == "department"]
    rows = [
        (f"{dep}{n:03d}", f"Saint-Martin-{dep}-{n}", dep, "commune")
        for n in range(count // len(departments) + 1)
        for dep in departments
    ][:count]
    random.Random(7).shuffle(rows)
    return rows


@pytest.fixture
def uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database)


@pytest.fixture
def small(uow: UnitOfWork) -> UnitOfWork:
    from tests.support import SMALL_TREE

    import_areas(uow, SMALL_TREE)
    return uow


# --- scale and idempotence ------------------------------------------------------


def test_france_with_35000_communes_imports_and_reimports_without_duplicates(
    database: Database, uow: UnitOfWork, tmp_path: Path
) -> None:
    assert import_areas(uow, read_csv(DEFAULT_AREAS)) == 120  # the regions and departments
    path = write_csv(tmp_path / "communes.csv", communes(35_000))
    done: list[int] = []
    assert import_areas(uow, read_csv(path), progress=done.append) == 35_000
    assert sum(done) == 35_000 and len(done) > 10  # reported batch after batch
    first = tree(database)
    assert len(first) == 35_120
    assert_paths_consistent(first)
    assert first["69042"][3] == "69"

    done.clear()
    assert import_areas(uow, read_csv(path), progress=done.append) == 35_000
    assert sum(done) == 35_000
    assert tree(database) == first  # same ids, names, parents and paths: nothing added twice


def test_rows_may_come_children_first(database: Database, uow: UnitOfWork) -> None:
    rows = [
        AreaRow("69123", "Lyon", "69", "commune"),
        AreaRow("69", "Rhône", "R84", "department"),
        AreaRow("R84", "Auvergne-Rhône-Alpes", "FR", "region"),
        AreaRow("FR", "France", None, "nation"),
    ]
    assert import_areas(uow, rows) == 4
    current = tree(database)
    assert_paths_consistent(current)
    assert current["69123"][4].count("/") == 5


def test_reimport_updates_names_levels_and_parents(database: Database, small: UnitOfWork) -> None:
    before = tree(database)
    rows = [
        AreaRow("69123", "Lyon (Métropole)", "69", "commune"),
        AreaRow("75", "Ville de Paris", "R11", "department"),
        AreaRow("42218", "Saint-Étienne", "R84", "department"),  # a commune becomes a department
    ]
    assert import_areas(small, rows) == 3
    after = tree(database)
    assert after["69123"][1] == "Lyon (Métropole)"
    assert after["75"][1] == "Ville de Paris"
    assert after["42218"][2:4] == ("department", "R84")
    assert {code: row[0] for code, row in after.items()} == {code: row[0] for code, row in before.items()}
    assert_paths_consistent(after)
    with small:
        assert [a.code for a in areas.search_areas(small, "lyon metropole")] == ["69123"]


def test_moving_a_department_moves_its_whole_subtree(
    database: Database, small: UnitOfWork, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "rhone.csv",
        [("69001", "Affoux", "69", "commune"), ("69002", "Affoux-bis", "69", "commune")],
    )
    import_areas(small, read_csv(path))
    moved = write_csv(tmp_path / "moved.csv", [("69", "Rhône", "R11", "department")])
    import_areas(small, read_csv(moved))
    after = tree(database)
    assert_paths_consistent(after)
    r11 = after["R11"][4]
    for code in ("69", "69123", "69001", "69002"):
        assert after[code][4].startswith(r11), code
    assert after["69"][3] == "R11"
    assert after["42218"][4].startswith(after["R84"][4])  # the rest stays put
    with small:
        inside_r84 = {after[c][0] for c in ("R84", "42", "42218")}
        assert set(areas.descendant_ids(small, after["R84"][0])) == inside_r84


def test_moving_under_a_region_created_by_the_same_file(database: Database, small: UnitOfWork) -> None:
    import_areas(
        small,
        [
            AreaRow("42", "Loire", "R99", "department"),  # before its new parent, on purpose
            AreaRow("R99", "Forez", "FR", "region"),
        ],
    )
    after = tree(database)
    assert_paths_consistent(after)
    assert after["42218"][4] == after["R99"][4] + f"{after['42'][0]}/{after['42218'][0]}/"


# --- bad files change nothing ------------------------------------------------------

BAD_FILES = {
    "unknown level": (HEADER + "69001,Affoux,69,village\n", 2, "unknown level"),
    "missing parent": (HEADER + "69001,Affoux,69,commune\n99001,Nowhere,99,commune\n", 3, "parent 99"),
    "empty name": (HEADER + "69001,Affoux,69,commune\n69002, ,69,commune\n", 3, "empty name"),
    "empty code": (HEADER + ",Affoux,69,commune\n", 2, "empty code"),
    "same code twice": (
        HEADER + "69001,Affoux,69,commune\n69001,Affoux,69,commune\n",
        3,
        "69001 already on line",
    ),
    "cycle in the file": (HEADER + "RA,Alpha,RB,region\nRB,Beta,RA,region\n", 2, "cycle"),
    "cycle with the stored tree": (HEADER + "R84,Auvergne-Rhône-Alpes,69,region\n", 2, "cycle"),
    "commune inside a commune": (HEADER + "69001,Affoux,69123,commune\n", 2, "cannot be inside 69123"),
    "level above its children": (HEADER + "69,Rhône,R84,commune\n", 2, "containing 69123"),
    "second nation under the first": (HEADER + "BE,Belgique,FR,nation\n", 2, "cannot be inside FR"),
    "bad code": (HEADER + "69 001,Affoux,69,commune\n", 2, "bad code"),
    "name too long": (HEADER + "69001," + "A" * 201 + ",69,commune\n", 2, "name over 200"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_row_is_reported_with_its_line_and_changes_nothing(
    database: Database, small: UnitOfWork, tmp_path: Path, case: str
) -> None:
    content, line, problem = BAD_FILES[case]
    good_first = HEADER + "42001,Aboën,42,commune\n" + content.removeprefix(HEADER)
    path = tmp_path / "bad.csv"
    path.write_text(good_first, encoding="utf-8")
    before = tree(database)
    with pytest.raises(InvalidInput) as raised:
        import_areas(small, read_csv(path))
    assert raised.value.key == "error.area_csv_row"
    assert raised.value.params["line"] == line + 1  # the good row comes first
    assert problem in raised.value.params["problem"]
    assert tree(database) == before


def test_a_file_without_the_columns_or_not_in_utf8_changes_nothing(
    database: Database, small: UnitOfWork, tmp_path: Path
) -> None:
    before = tree(database)
    no_header = tmp_path / "no_header.csv"
    no_header.write_text("code,name,level\n69001,Affoux,commune\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        import_areas(small, read_csv(no_header))
    assert raised.value.key == "error.area_csv_header"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        HEADER.encode() + "69001,Affoux,69,commune\n69002,Saint-Étienne,69,commune\n".encode("latin-1")
    )
    with pytest.raises(InvalidInput) as raised:
        import_areas(small, read_csv(latin1))
    assert raised.value.params["line"] == 3
    assert tree(database) == before


def test_semicolons_bom_column_order_and_blank_lines_are_accepted(
    database: Database, small: UnitOfWork, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefflevel;code;name;parent_code\r\n\r\ncommune;69001;Affoux;69\r\n".encode())
    assert import_areas(small, read_csv(path)) == 1
    assert tree(database)["69001"][1:4] == ("Affoux", "commune", "69")


def test_error_messages_exist_in_both_languages() -> None:
    assert translate("en", "error.area_csv_row", line=3, problem="empty name").startswith("Line 3")
    assert translate("fr", "error.area_csv_row", line=3, problem="empty name").startswith("Ligne 3")
    for language in ("en", "fr"):
        assert "code,name" in translate(
            language, "error.area_csv_header", columns="code,name,parent_code,level"
        )


# --- the command line ---------------------------------------------------------------


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A SQLite file: the command line migrates its own database."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


def count_in(url: str) -> int:
    runtime = Runtime.open(database_url=url)
    try:
        with runtime.uow() as uow:
            return areas.count_areas(uow)
    finally:
        runtime.close()


def test_cli_imports_a_communes_file_into_an_empty_database(db_url: str, tmp_path: Path) -> None:
    url = db_url
    path = write_csv(tmp_path / "communes.csv", [*communes(500), ("42218", "Saint-Étienne", "42", "commune")])
    runner = CliRunner()
    result = runner.invoke(app, ["areas", "import", str(path), "--database", url])
    assert result.exit_code == 0, result.output
    assert "imported 621 areas (621 new)" in result.output  # with the regions and departments
    assert count_in(url) == 621
    again = runner.invoke(app, ["areas", "import", str(path), "--database", url])
    assert again.exit_code == 0, again.output
    assert "imported 501 areas (0 new)" in again.output
    found = runner.invoke(app, ["areas", "search", "saint etienne", "--database", url])
    assert found.exit_code == 0, found.output
    assert "42218" in found.output and "Saint-Étienne" in found.output and "42 Loire" in found.output


def test_cli_reports_a_bad_file_in_one_line_and_imports_nothing(db_url: str, tmp_path: Path) -> None:
    url = db_url
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "69001,Affoux,69,commune\n69002,Affoux,69,hamlet\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["areas", "import", str(bad), "--database", url])
    assert result.exit_code == 1
    assert "Line 3 of the areas file: unknown level 'hamlet'" in result.output
    assert "Traceback" not in result.output
    assert count_in(url) == 0  # not even the default areas went in

    no_header = tmp_path / "no_header.csv"
    no_header.write_text("69001,Affoux,69,commune\n", encoding="utf-8")
    other = tmp_path / "other.db"
    result = CliRunner().invoke(app, ["areas", "import", str(no_header), "--database", f"sqlite:///{other}"])
    assert result.exit_code == 1
    assert "needs a first line naming the columns code,name,parent_code,level" in result.output
    assert not other.exists()  # the file is read before the database is opened

    missing = CliRunner().invoke(app, ["areas", "import", str(tmp_path / "nope.csv"), "--database", url])
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_cli_search_without_match_fails(db_url: str) -> None:
    url = db_url
    result = CliRunner().invoke(app, ["areas", "search", "atlantis", "--database", url])
    assert result.exit_code == 1
    assert "no area matches 'atlantis'" in result.output


# --- postal codes -------------------------------------------------------------------


def postal_codes(database: Database) -> dict[str, set[str]]:
    a, p = tables.areas.c, tables.area_postal_codes.c
    with database.engine.connect() as conn:
        rows = conn.execute(select(a.code, p.postal_code).join(tables.areas, a.id == p.area_id)).all()
    found: dict[str, set[str]] = {}
    for code, postal_code in rows:
        found.setdefault(code, set()).add(postal_code)
    return found


def test_postal_codes_are_imported_replaced_and_kept(
    database: Database, small: UnitOfWork, tmp_path: Path
) -> None:
    path = tmp_path / "with_postal_codes.csv"
    path.write_text(
        "# a comment before the header, as in the shipped files\n"
        "code,name,parent_code,level,postal_codes\n"
        "69123,Lyon,69,commune,69001 69002 69002\n"
        "42218,Saint-Étienne,42,commune,42000 42100\n"
        "69001,Affoux,69,commune,\n",
        encoding="utf-8",
    )
    assert import_areas(small, read_csv(path)) == 3
    assert postal_codes(database) == {"69123": {"69001", "69002"}, "42218": {"42000", "42100"}}
    with small:
        assert [a.code for a in areas.search_areas(small, "42100")] == ["42218"]

    path.write_text(
        "code,name,parent_code,level,postal_codes\n69123,Lyon,69,commune,69003\n", encoding="utf-8"
    )
    import_areas(small, read_csv(path))
    assert postal_codes(database)["69123"] == {"69003"}  # replaced
    assert postal_codes(database)["42218"] == {"42000", "42100"}  # not in the file: kept

    write_csv(path, [("69123", "Lyon", "69", "commune")])  # no postal_codes column: kept
    import_areas(small, read_csv(path))
    assert postal_codes(database)["69123"] == {"69003"}


def test_a_bad_postal_code_is_reported_with_its_line_and_changes_nothing(
    database: Database, small: UnitOfWork, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "# two lines of comments\n# count in the line numbers\n"
        "code,name,parent_code,level,postal_codes\n"
        "69001,Affoux,69,commune,69170\n"
        "69002,Amplepuis,69,commune,69550 6955O;\n",
        encoding="utf-8",
    )
    before = tree(database), postal_codes(database)
    with pytest.raises(InvalidInput) as raised:
        import_areas(small, read_csv(path))
    assert raised.value.params["line"] == 5
    assert "bad postal code '6955O;'" in raised.value.params["problem"]
    assert (tree(database), postal_codes(database)) == before
