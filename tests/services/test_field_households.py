"""Households in the service layer: privacy by cell, the access log, counts, and the
constraints of the household table. Each test runs rolled back (``db_session``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from gridapp.core.errors import Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import Building, Household, HouseholdAccess, User
from gridapp.services import field, scope
from tests.field_world import NAMES, add_households
from tests.world import World

ROUTE = "test.route"


@pytest.fixture
def ids(app: Flask, world: World, db_session: None) -> Iterator[dict[str, list[int]]]:
    with app.app_context():
        yield add_households(db.session, world)


def _user(world: World, username: str) -> User:
    return db.session.get_one(User, world.users[username])


def _log_count(**where: int) -> int:
    query = select(func.count()).select_from(HouseholdAccess)
    for column, value in where.items():
        query = query.where(getattr(HouseholdAccess, column) == value)
    return int(db.session.scalar(query) or 0)


def _reader_cells(world: World, username: str) -> set[int]:
    return set(db.session.scalars(scope.household_reader_cell_ids(_user(world, username))))


def test_reader_cells_are_the_workers_cells_the_managers_community_and_all_for_admins(
    world: World, ids: dict[str, list[int]]
) -> None:
    c = world.cells
    assert _reader_cells(world, "t_field") == {c["A1N"]}
    assert _reader_cells(world, "t_manager") == {c["A1N"], c["A1S"]}
    assert _reader_cells(world, "t_coordinator") == set()  # oversees A, reads no names
    assert set(world.cells.values()) <= _reader_cells(world, "t_admin")


def test_field_worker_reads_the_names_of_their_cell_and_each_read_is_logged(
    world: World, ids: dict[str, list[int]]
) -> None:
    user = _user(world, "t_field")
    answer = field.cell_households(user, world.cells["A1N"], ROUTE)
    assert sorted(h["head_name"] for h in answer["households"]) == sorted(NAMES["A1N"])
    assert answer["count"] == 3
    hub = next(h for h in answer["households"] if h["head_name"] == "孙丙")
    assert hub["tag_labels"] == ["党员户", "党员中心户"] and not hub["in_difficulty"]
    assert hub["address"] == "甲一社区1号楼1单元301"
    rows = db.session.scalars(
        select(HouseholdAccess).where(HouseholdAccess.user_id == user.id)
    ).all()
    assert sorted(r.household_id for r in rows) == sorted(ids["A1N"])
    assert {(r.cell_id, r.route, r.user_name) for r in rows} == {
        (world.cells["A1N"], ROUTE, "t_field")
    }


def test_a_tag_filter_lists_and_logs_only_those_households(
    world: World, ids: dict[str, list[int]]
) -> None:
    answer = field.cell_households(_user(world, "t_field"), world.cells["A1N"], ROUTE, "dibao")
    assert [h["head_name"] for h in answer["households"]] == ["赵甲"]
    assert _log_count() == 1


@pytest.mark.parametrize(
    ("username", "cell"),
    [
        ("t_field", "A1S"),  # a neighbouring cell of the same community
        ("t_manager", "A2N"),  # another community
        ("t_coordinator", "A1N"),  # in the coordinator's subdistrict: counts only
        ("t_coordinator", "A2N"),
    ],
)
def test_names_outside_the_readers_cells_are_not_found_and_nothing_is_logged(
    world: World, ids: dict[str, list[int]], username: str, cell: str
) -> None:
    user = _user(world, username)
    with pytest.raises(NotFound):
        field.cell_households(user, world.cells[cell], ROUTE)
    for household_id in ids[cell]:
        with pytest.raises(NotFound):
            field.household(user, household_id, ROUTE)
    assert _log_count() == 0


def test_an_unknown_id_is_refused_the_same_way_as_one_outside(
    world: World, ids: dict[str, list[int]]
) -> None:
    user = _user(world, "t_field")
    with pytest.raises(NotFound) as unknown:
        field.household(user, 987654, ROUTE)
    with pytest.raises(NotFound) as outside:
        field.household(user, ids["A1S"][0], ROUTE)
    assert type(unknown.value) is type(outside.value)
    assert unknown.value.status == outside.value.status == 404


def test_the_manager_reads_their_whole_community_and_the_admin_everything(
    world: World, ids: dict[str, list[int]]
) -> None:
    manager = _user(world, "t_manager")
    names = field.cell_households(manager, world.cells["A1S"], ROUTE)["households"]
    assert sorted(h["head_name"] for h in names) == sorted(NAMES["A1S"])
    admin = _user(world, "t_admin")
    one = field.household(admin, ids["B1X"][0], ROUTE)
    assert one["head_name"] == "郑庚" and one["cell_id"] == world.cells["B1X"]
    assert _log_count(user_id=manager.id) == 2
    assert _log_count(user_id=admin.id, household_id=ids["B1X"][0]) == 1


def test_households_follow_their_building_when_it_moves_to_another_cell(
    world: World, ids: dict[str, list[int]]
) -> None:
    """The cell is not stored on the household: a boundary edit that moves the building
    (Building.cell_id) moves its households, and with them who may read them."""
    user = _user(world, "t_field")
    db.session.execute(
        update(Building)
        .where(Building.id == world.buildings["A1S"])
        .values(cell_id=world.cells["A1N"])
    )
    answer = field.cell_households(user, world.cells["A1N"], ROUTE)
    assert sorted(h["head_name"] for h in answer["households"]) == sorted(
        NAMES["A1N"] + NAMES["A1S"]
    )
    assert field.household(user, ids["A1S"][0], ROUTE)["cell_id"] == world.cells["A1N"]


def _by_id(rows: list[dict[str, object]], key: str) -> dict[object, dict[str, object]]:
    return {row[key]: row for row in rows}


def test_counts_cover_the_visible_cells_without_a_name(
    world: World, ids: dict[str, list[int]]
) -> None:
    answer = field.household_counts(_user(world, "t_coordinator"))
    cells = _by_id(answer["cells"], "cell_id")
    c = world.cells
    assert set(cells) == {c["A1N"], c["A1S"], c["A2N"], c["A2S"]}
    assert cells[c["A1N"]]["households"] == 3 and cells[c["A1N"]]["in_difficulty"] == 2
    assert cells[c["A1N"]]["by_tag"] == {
        "dibao": 1, "dibao_edge": 0, "disabled": 0, "elderly_alone": 1, "empty_nest": 0,
        "serious_illness": 0, "unemployed": 0, "party_member": 1, "party_centre": 1,
    }  # fmt: skip
    assert cells[c["A1S"]]["in_difficulty"] == 1  # two tags, one household
    assert cells[c["A2S"]]["households"] == 0
    communities = _by_id(answer["communities"], "community_id")
    assert set(communities) == {world.communities["A1"], world.communities["A2"]}
    a1 = communities[world.communities["A1"]]
    assert (a1["households"], a1["in_difficulty"], a1["cells"]) == (5, 3, 2)
    assert a1["by_tag"]["disabled"] == 1
    assert not any(name in repr(answer) for names in NAMES.values() for name in names)
    assert _log_count() == 0  # counts read no record


def test_a_communitys_counts_hold_only_the_users_visible_cells(
    world: World, ids: dict[str, list[int]]
) -> None:
    answer = field.household_counts(_user(world, "t_field"))
    assert [c["cell_id"] for c in answer["cells"]] == [world.cells["A1N"]]
    (a1,) = answer["communities"]
    assert (a1["community_id"], a1["households"], a1["in_difficulty"]) == (
        world.communities["A1"],
        3,
        2,
    )


def test_counts_of_one_community_or_subdistrict(world: World, ids: dict[str, list[int]]) -> None:
    coordinator = _user(world, "t_coordinator")
    a2 = field.household_counts(coordinator, community_id=world.communities["A2"])
    assert {c["cell_id"] for c in a2["cells"]} == {world.cells["A2N"], world.cells["A2S"]}
    admin = _user(world, "t_admin")
    b = field.household_counts(admin, subdistrict_id=world.subdistricts["B"])
    assert [(c["cell_id"], c["households"]) for c in b["cells"]] == [(world.cells["B1X"], 1)]


def test_counts_of_a_place_outside_are_forbidden_and_of_an_unknown_one_not_found(
    world: World, ids: dict[str, list[int]]
) -> None:
    coordinator = _user(world, "t_coordinator")
    with pytest.raises(Forbidden):
        field.household_counts(coordinator, community_id=world.communities["B1"])
    with pytest.raises(Forbidden):
        field.household_counts(coordinator, subdistrict_id=world.subdistricts["B"])
    with pytest.raises(NotFound):
        field.household_counts(coordinator, community_id=987654)


def test_only_admins_read_the_access_log(world: World, ids: dict[str, list[int]]) -> None:
    field_user, manager = _user(world, "t_field"), _user(world, "t_manager")
    field.cell_households(field_user, world.cells["A1N"], ROUTE)
    field.household(manager, ids["A1S"][1], ROUTE)
    for username in ("t_field", "t_manager", "t_coordinator"):
        with pytest.raises(Forbidden):
            field.access_log(_user(world, username))
    admin = _user(world, "t_admin")
    assert field.access_log(admin)["total"] == 4
    mine = field.access_log(admin, user_id=manager.id)
    assert [(r["household_id"], r["user_name"]) for r in mine["items"]] == [
        (ids["A1S"][1], "t_manager")
    ]
    one = field.access_log(admin, household_id=ids["A1N"][0])
    assert [r["user_id"] for r in one["items"]] == [field_user.id]
    page = field.access_log(admin, page=2, per_page=3)
    assert (page["total"], len(page["items"])) == (4, 1)


@pytest.mark.parametrize(
    "values",
    [
        {"tags": ["dibao", "rich"]},  # not in the vocabulary
        {"size": 0},
        {"head_name": "  "},
    ],
)
def test_the_database_refuses_a_bad_household(
    world: World, ids: dict[str, list[int]], values: dict[str, object]
) -> None:
    row = {"building_id": world.buildings["A1N"], "head_name": "王某", "size": 1, **values}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Household(**row))
        db.session.flush()
