"""The "四访" due list and the user's cells in the service layer: who is due, in which
order, the intervals and their override, what resets the clock, who sees names, the
access log. Each test runs rolled back (``db_session``); "today" is fixed (TODAY)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select

from gridapp import create_app
from gridapp.core.errors import NotFound
from gridapp.core.reminders import TIMEZONE
from gridapp.extensions import db
from gridapp.models import CellEvent, GridCell, HouseholdAccess, User, Visit
from gridapp.services import field
from gridapp.services.field.visits import VisitInput
from tests.conftest import TEST_DATABASE_URL
from tests.field_world import NAMES, TODAY, add_households, add_members
from tests.world import World


@dataclass
class Ids:
    households: dict[str, int]  # by head of household
    members: dict[str, int]


@pytest.fixture
def ids(app: Flask, world: World, db_session: None) -> Iterator[Ids]:
    with app.app_context():
        by_cell = add_households(db.session, world)
        households = {
            name: hid
            for cell, names in NAMES.items()
            for name, hid in zip(names, by_cell[cell], strict=True)
        }
        yield Ids(households, add_members(db.session, world))


def _user(world: World, username: str) -> User:
    return db.session.get_one(User, world.users[username])


_keys = iter(range(1, 10**6))


def _visit(world: World, cell: str, days_ago: int, *, household: int | None = None,
           member: int | None = None, method: str = "home") -> None:  # fmt: skip
    """A visit ``days_ago`` days before TODAY at 10:00 Beijing time."""
    at = datetime.combine(TODAY - timedelta(days=days_ago), time(10), tzinfo=TIMEZONE)
    db.session.add(
        Visit(
            client_key=f"test-visit-{next(_keys)}", cell_id=world.cells[cell],
            household_id=household, member_id=member, user_id=world.users["t_field"],
            user_name="t_field", method=method, visited_at=at,
        )
    )  # fmt: skip
    db.session.flush()


def _names(items: list[dict[str, object]]) -> list[object]:
    return [i["name"] for i in items]


def test_never_visited_targets_come_first_shortest_interval_first(world: World, ids: Ids) -> None:
    items = field.due_list(_user(world, "t_field"), today=TODAY)
    assert _names(items) == ["钱乙", "赵甲", "老王", "小新", "小流"]
    first = items[0]
    assert first["target"] == "household" and first["cell_id"] == world.cells["A1N"]
    assert first["reasons"] == ["elderly_alone"] and first["reason_labels"] == ["独居老人"]
    assert first["interval_days"] == 7 and first["never_visited"] is True
    assert first["last_visit_at"] is None and first["days_since"] is None
    assert first["address"] == "甲一社区1号楼1单元201"
    old = items[2]
    assert (old["target"], old["reasons"], old["interval_days"]) == ("member", ["member_old"], 30)
    assert old["address"] == "甲一社区1号楼"  # a member's home building


def test_overdue_targets_follow_most_overdue_first_and_recent_ones_are_not_due(
    world: World, ids: Ids
) -> None:
    _visit(world, "A1N", 10, household=ids.households["钱乙"])  # 7 days: 3 overdue
    _visit(world, "A1N", 40, household=ids.households["赵甲"])  # 30 days: 10 overdue
    _visit(world, "A1N", 5, member=ids.members["老王"])  # 30 days: not due
    _visit(world, "A1N", 60, member=ids.members["小新"])  # 60 days: due today, 0 overdue
    items = field.due_list(_user(world, "t_field"), today=TODAY)
    assert _names(items) == ["小流", "赵甲", "钱乙", "小新"]
    zhao = items[1]
    assert (zhao["days_since"], zhao["overdue_days"], zhao["never_visited"]) == (40, 10, False)
    assert datetime.fromisoformat(str(zhao["last_visit_at"])) == datetime.combine(
        TODAY - timedelta(days=40), time(10), tzinfo=TIMEZONE
    )
    assert items[3]["overdue_days"] == 0


def test_several_reasons_take_the_shortest_interval(world: World, ids: Ids) -> None:
    _visit(world, "A1S", 35, household=ids.households["李丁"])  # disabled 30, unemployed 60
    items = field.due_list(_user(world, "t_manager"), today=TODAY)
    li = next(i for i in items if i["name"] == "李丁")
    assert li["reasons"] == ["disabled", "unemployed"]
    assert (li["interval_days"], li["overdue_days"]) == (30, 5)


def test_the_latest_visit_of_any_method_and_any_worker_counts(world: World, ids: Ids) -> None:
    household = ids.households["赵甲"]
    _visit(world, "A1N", 50, household=household)
    _visit(world, "A1N", 3, household=household, method="phone")
    _visit(world, "A1N", 20, household=household, method="street")
    assert "赵甲" not in _names(field.due_list(_user(world, "t_field"), today=TODAY))


def test_recording_a_visit_resets_the_clock(app: Flask, world: World, ids: Ids) -> None:
    """A visit by phone, recorded through the service today, takes 赵甲 off today's list."""
    user = _user(world, "t_field")
    assert "赵甲" in _names(field.due_list(user))  # real today: never visited
    field.record_visit(
        user,
        VisitInput("reset-clock-1", household_id=ids.households["赵甲"], method="phone"),
        None,
        "test",
    )
    assert "赵甲" not in _names(field.due_list(user))


def test_the_visit_days_setting_overrides_an_interval(
    app: Flask, world: World, ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    _visit(world, "A1N", 4, household=ids.households["钱乙"])
    user = _user(world, "t_field")
    assert "钱乙" not in _names(field.due_list(user, today=TODAY))  # 7 days by default
    monkeypatch.setitem(app.config, "VISIT_DAYS", '{"elderly_alone": 3}')
    qian = next(i for i in field.due_list(user, today=TODAY) if i["name"] == "钱乙")
    assert (qian["interval_days"], qian["overdue_days"]) == (3, 1)


def test_a_wrong_visit_days_setting_stops_the_app_at_start() -> None:
    with pytest.raises(ValueError, match=r"GRIDAPP_VISIT_DAYS.*elderly 不是走访原因"):
        create_app({"DATABASE_URL": TEST_DATABASE_URL, "VISIT_DAYS": '{"elderly": 3}'})


def test_who_is_listed_follows_the_household_readers(world: World, ids: Ids) -> None:
    """A member's cell is their home's, else their registration's: 外乡 lives in A2N
    (registered in A1N), 报到 has no home and registered in A1S."""
    manager = _names(field.due_list(_user(world, "t_manager"), today=TODAY))
    assert set(manager) == {"钱乙", "赵甲", "老王", "小新", "小流", "李丁", "困难", "报到"}
    admin = _names(field.due_list(_user(world, "t_admin"), today=TODAY))
    assert {"外乡", "吴己", "郑庚"} <= set(admin) and "中年" not in admin
    assert field.due_list(_user(world, "t_coordinator"), today=TODAY) == []


def test_cell_ids_narrow_the_list_to_readable_cells(world: World, ids: Ids) -> None:
    manager = _user(world, "t_manager")
    a1s = field.due_list(manager, cell_ids=[world.cells["A1S"], world.cells["A2N"]], today=TODAY)
    assert set(_names(a1s)) == {"李丁", "困难", "报到"}  # A2N is not the manager's
    cells = select(GridCell.id).where(GridCell.id == world.cells["A1N"])
    assert len(field.due_list(manager, cell_ids=cells, today=TODAY)) == 5
    assert field.due(manager, world.cells["A1S"], "test", TODAY)["items"] == a1s
    with pytest.raises(NotFound):
        field.due(_user(world, "t_field"), world.cells["A1S"], "test", TODAY)
    with pytest.raises(NotFound):
        field.due(_user(world, "t_coordinator"), world.cells["A1N"], "test", TODAY)


def test_every_household_on_the_list_is_logged(world: World, ids: Ids) -> None:
    user = _user(world, "t_field")
    field.due_list(user, today=TODAY, route="test.due")
    rows = db.session.scalars(
        select(HouseholdAccess).where(HouseholdAccess.user_id == user.id)
    ).all()
    assert sorted(r.household_id for r in rows) == sorted(
        [ids.households["钱乙"], ids.households["赵甲"]]
    )
    assert {(r.route, r.purpose, r.cell_id) for r in rows} == {
        ("test.due", "查看走访提醒", world.cells["A1N"])
    }


def _event(world: World, cell: str, status: str) -> None:
    db.session.add(
        CellEvent(
            client_key=f"test-event-{next(_keys)}", cell_id=world.cells[cell], category="safety",
            description="井盖缺失", geom=from_shape(Point(116.405, 39.907), srid=4326),
            status=status, reporter_name="t_field",
            closed_at=datetime.now(TIMEZONE) if status == "closed" else None,
        )
    )  # fmt: skip
    db.session.flush()


def test_my_cells_counts_due_visits_only_where_names_are_read(world: World, ids: Ids) -> None:
    _visit(world, "A1N", 10, household=ids.households["钱乙"])  # overdue
    _visit(world, "A1N", 60, member=ids.members["小新"])  # due today, not overdue
    _event(world, "A1N", "open")
    _event(world, "A1N", "closed")
    mine = field.my_cells(_user(world, "t_field"), today=TODAY)["cells"]
    assert [c["id"] for c in mine] == [world.cells["A1N"]]
    cell = mine[0]
    assert (cell["visits_due"], cell["visits_overdue"], cell["open_events"]) == (5, 4, 1)
    assert (cell["households"], cell["in_difficulty"], cell["can_read_names"]) == (3, 2, True)
    assert cell["community_name"] == "甲一社区" and cell["geometry"]["type"] == "MultiPolygon"
    coordinator = field.my_cells(_user(world, "t_coordinator"), today=TODAY)["cells"]
    assert {c["id"] for c in coordinator} == {world.cells[k] for k in ("A1N", "A1S", "A2N", "A2S")}
    assert all(c["visits_due"] == 0 and not c["can_read_names"] for c in coordinator)
    a1s = next(c for c in coordinator if c["id"] == world.cells["A1S"])
    assert (a1s["households"], a1s["in_difficulty"]) == (2, 1)
    logged = db.session.scalar(select(func.count()).select_from(HouseholdAccess))
    assert logged == 0  # counts name no one
