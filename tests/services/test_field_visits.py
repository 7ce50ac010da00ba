"""Recording and reading visits (走访) in the service layer: who may visit whom, the rules
of a visit, idempotent submits, the photo stored with the visit or not at all, redaction
and the access log. Each test runs rolled back (``db_session``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import delete, func, select

from gridapp.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooLarge,
    Unprocessable,
    UnsupportedMedia,
)
from gridapp.extensions import db
from gridapp.models import HouseholdAccess, Photo, User, Visit
from gridapp.services import field
from gridapp.services.field import submit
from gridapp.services.field.visits import VisitInput
from tests.field_world import NAMES, add_households, add_members, jpeg_with_gps
from tests.world import World

ROUTE = "test.visits"


@pytest.fixture
def ids(app: Flask, world: World, db_session: None) -> Iterator[dict[str, int]]:
    """Household ids by head of household and member ids by name."""
    with app.app_context():
        by_cell = add_households(db.session, world)
        households = {
            n: hid for c, names in NAMES.items() for n, hid in zip(names, by_cell[c], strict=True)
        }
        yield {**households, **add_members(db.session, world)}


@pytest.fixture
def photo_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    return tmp_path


def _user(world: World, username: str) -> User:
    return db.session.get_one(User, world.users[username])


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _visit(
    user: User, key: str, photo: bytes | None = None, **kw: Any
) -> tuple[dict[str, Any], bool]:
    return field.record_visit(user, VisitInput(key, **kw), photo, ROUTE)


def test_a_field_worker_records_a_visit_in_their_cell(world: World, ids: dict[str, int]) -> None:
    user = _user(world, "t_field")
    answer, created = _visit(
        user, "visit-key-0001", household_id=ids["赵甲"], method="phone", note=" 电话问候 ",
        lat=39.907, lon=116.405, accuracy_m=12.5,
    )  # fmt: skip
    assert created and not answer["redacted"]
    assert (answer["target"], answer["household_id"], answer["name"]) == (
        "household", ids["赵甲"], "赵甲"
    )  # fmt: skip
    assert answer["address"] == "甲一社区1号楼1单元101" and answer["note"] == "电话问候"
    assert (answer["method"], answer["method_label"]) == ("phone", "电话联系")
    assert (answer["lat"], answer["lon"], answer["accuracy_m"]) == (39.907, 116.405, 12.5)
    assert answer["cell_id"] == world.cells["A1N"] and answer["client_key"] == "visit-key-0001"
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.user_id, visit.user_name, visit.cell_id) == (
        user.id,
        "t_field",
        answer["cell_id"],
    )
    logged = db.session.scalars(select(HouseholdAccess)).one()
    assert (logged.household_id, logged.purpose, logged.route) == (ids["赵甲"], "登记走访", ROUTE)


def test_a_member_is_visited_in_their_home_cell_else_where_they_registered(
    world: World, ids: dict[str, int]
) -> None:
    manager = _user(world, "t_manager")
    answer, _ = _visit(manager, "visit-key-0002", member_id=ids["报到"])  # no home, A1S
    assert answer["cell_id"] == world.cells["A1S"] and answer["target"] == "member"
    assert answer["name"] == "报到" and answer["address"] == ""
    field_worker = _user(world, "t_field")
    with pytest.raises(NotFound):  # home in A2N, registered in A1N: A2N counts
        _visit(field_worker, "visit-key-0003", member_id=ids["外乡"])
    with pytest.raises(NotFound):
        _visit(field_worker, "visit-key-0004", member_id=ids["报到"])
    assert _count(HouseholdAccess) == 0  # a member is no household record


@pytest.mark.parametrize(
    ("username", "target", "refusal"),
    [
        ("t_field", "李丁", NotFound),  # a household of the neighbouring cell
        ("t_field", "郑庚", NotFound),  # another subdistrict
        ("t_manager", "吴己", NotFound),  # another community
        ("t_coordinator", "赵甲", Forbidden),  # sees the cell, never records visits
        ("t_field", "no such", NotFound),
    ],
)
def test_a_visit_outside_the_readers_cells_is_refused_and_writes_nothing(
    world: World, ids: dict[str, int], username: str, target: str, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        _visit(_user(world, username), "visit-key-0005", household_id=ids.get(target, 987654))
    assert _count(Visit) == _count(HouseholdAccess) == 0


def test_exactly_one_target_and_both_coordinates(world: World, ids: dict[str, int]) -> None:
    user = _user(world, "t_field")
    with pytest.raises(BadRequest, match="二者选一"):
        _visit(user, "visit-key-0006", household_id=ids["赵甲"], member_id=ids["老王"])
    with pytest.raises(BadRequest, match="二者选一"):
        _visit(user, "visit-key-0007")
    with pytest.raises(BadRequest, match="经度和纬度"):
        _visit(user, "visit-key-0008", household_id=ids["赵甲"], lat=39.9)
    assert _count(Visit) == 0


def test_the_same_key_twice_is_one_visit(world: World, ids: dict[str, int]) -> None:
    user = _user(world, "t_field")
    first, created = _visit(user, "visit-key-0009", household_id=ids["赵甲"], note="第一次")
    again, created_again = _visit(user, "visit-key-0009", household_id=ids["钱乙"], note="重发")
    assert created and not created_again
    assert again == first and again["note"] == "第一次"
    assert _count(Visit) == 1


def test_a_key_used_by_another_user_is_a_conflict(world: World, ids: dict[str, int]) -> None:
    _visit(_user(world, "t_field"), "visit-key-0010", household_id=ids["赵甲"])
    with pytest.raises(Conflict, match="client_key"):
        _visit(_user(world, "t_manager"), "visit-key-0010", household_id=ids["赵甲"])
    assert _count(Visit) == 1


def test_a_copy_racing_the_first_answers_the_first_and_leaves_no_photo(
    world: World, ids: dict[str, int], photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second copy looks before the first is stored (both lookups miss), then its
    insert hits the unique key: it answers the stored visit, and its photo is gone."""
    user = _user(world, "t_field")
    first, _ = _visit(user, "visit-key-0011", household_id=ids["赵甲"])
    real = submit._stored
    misses = iter([None, None])
    monkeypatch.setattr(submit, "_stored", lambda *a: next(misses, None) or real(*a))
    again, created = _visit(user, "visit-key-0011", jpeg_with_gps(), household_id=ids["赵甲"])
    assert not created and again["id"] == first["id"]
    assert _count(Visit) == 1 and _count(Photo) == 0 and _files(photo_dir) == []


@pytest.mark.parametrize(
    ("shift", "words"),
    [(timedelta(hours=1), "不能晚于当前时间"), (timedelta(days=-31), "不能早于 30 天前")],
)
def test_a_visit_in_the_future_or_long_ago_is_refused_in_chinese(
    world: World, ids: dict[str, int], shift: timedelta, words: str
) -> None:
    user = _user(world, "t_field")
    with pytest.raises(Unprocessable, match=words) as err:
        _visit(
            user, "visit-key-0012", household_id=ids["赵甲"], visited_at=datetime.now(UTC) + shift
        )
    assert err.value.status == 422
    assert _count(Visit) == 0


def test_a_local_time_without_offset_is_beijing_time(world: World, ids: dict[str, int]) -> None:
    now = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # 17:00 in Beijing
    answer, _ = field.record_visit(
        _user(world, "t_field"),
        VisitInput(
            "visit-key-0013", household_id=ids["赵甲"], visited_at=datetime(2026, 6, 15, 16)
        ),
        None,
        ROUTE,
        now=now,
    )
    assert datetime.fromisoformat(answer["visited_at"]) == datetime(2026, 6, 15, 8, tzinfo=UTC)


def test_a_photo_is_stored_with_the_visit_without_its_gps(
    world: World, ids: dict[str, int], photo_dir: Path
) -> None:
    answer, _ = _visit(
        _user(world, "t_field"), "visit-key-0014", jpeg_with_gps(), household_id=ids["赵甲"]
    )
    photo = db.session.get_one(Photo, answer["photo_id"])
    assert answer["photo_url"] == f"/api/photos/{photo.id}"
    assert photo.private and photo.cell_id == world.cells["A1N"] and photo.mime == "image/jpeg"
    stored = photo_dir / photo.path
    assert _files(photo_dir) == [stored]
    with Image.open(stored) as image:
        assert image.size == (64, 48) and dict(image.getexif()) == {}
    assert b"TestCam" not in stored.read_bytes()


@pytest.mark.parametrize(
    ("data", "refusal", "status"),
    [
        (b"%PDF-1.4 not an image", UnsupportedMedia, 415),
        (b"", BadRequest, 400),
        (jpeg_with_gps((1200, 900))[:-200], UnsupportedMedia, 415),  # truncated
    ],
)
def test_a_refused_photo_stores_neither_visit_nor_file(
    world: World, ids: dict[str, int], photo_dir: Path, data: bytes, refusal: type, status: int
) -> None:
    with pytest.raises(refusal) as err:
        _visit(_user(world, "t_field"), "visit-key-0015", data, household_id=ids["赵甲"])
    assert err.value.status == status
    assert _count(Visit) == _count(Photo) == 0 and _files(photo_dir) == []


def test_a_photo_above_the_limit_is_too_large(
    app: Flask, world: World, ids: dict[str, int], photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_PHOTO_LENGTH", 1000)
    with pytest.raises(TooLarge, match="照片超过"):
        _visit(
            _user(world, "t_field"),
            "visit-key-0016",
            jpeg_with_gps((400, 300)),
            household_id=ids["赵甲"],
        )
    assert _count(Visit) == _count(Photo) == 0 and _files(photo_dir) == []


def test_a_failure_after_the_photo_was_written_removes_it(
    world: World, ids: dict[str, int], photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> list[dict[str, object]]:
        raise RuntimeError("boom")

    monkeypatch.setattr("gridapp.services.field.visits.answers", broken)
    with pytest.raises(RuntimeError):
        _visit(_user(world, "t_field"), "visit-key-0017", jpeg_with_gps(), household_id=ids["赵甲"])
    db.session.rollback()
    assert _count(Visit) == _count(Photo) == 0 and _files(photo_dir) == []


def _three_visits(world: World, ids: dict[str, int]) -> None:
    _visit(_user(world, "t_field"), "visit-key-0101", household_id=ids["赵甲"], note="甲")
    _visit(_user(world, "t_field"), "visit-key-0102", member_id=ids["老王"], note="王")
    _visit(_user(world, "t_manager"), "visit-key-0103", household_id=ids["李丁"], note="李")
    db.session.execute(delete(HouseholdAccess))  # only the reads below


def test_visits_are_listed_newest_first_with_names_only_for_readers(
    world: World, ids: dict[str, int]
) -> None:
    _three_visits(world, ids)
    mine = field.list_visits(_user(world, "t_field"), ROUTE)
    assert [i["note"] for i in mine["items"]] == ["王", "甲"]  # not A1S's
    manager = field.list_visits(_user(world, "t_manager"), ROUTE)
    assert [i["name"] for i in manager["items"]] == ["李丁", "老王", "赵甲"]
    coordinator = field.list_visits(_user(world, "t_coordinator"), ROUTE)
    assert coordinator["total"] == 3 and all(i["redacted"] for i in coordinator["items"])
    hidden = ("target", "household_id", "member_id", "name", "address", "note", "photo_url", "lat")
    for item in coordinator["items"]:
        assert all(item[k] is None for k in hidden)
        assert item["user_name"] in ("t_field", "t_manager") and item["method"] == "home"
    logged = db.session.execute(
        select(HouseholdAccess.user_id, HouseholdAccess.household_id, HouseholdAccess.purpose)
    ).all()
    assert sorted(logged) == sorted(
        [
            (world.users["t_field"], ids["赵甲"], "查看走访记录"),
            (world.users["t_manager"], ids["赵甲"], "查看走访记录"),
            (world.users["t_manager"], ids["李丁"], "查看走访记录"),
        ]
    )


def test_visits_by_cell_worker_and_page(world: World, ids: dict[str, int]) -> None:
    _three_visits(world, ids)
    manager = _user(world, "t_manager")
    by_cell = field.list_visits(manager, ROUTE, cell_id=world.cells["A1S"])
    assert [i["name"] for i in by_cell["items"]] == ["李丁"]
    by_worker = field.list_visits(manager, ROUTE, user_id=world.users["t_field"], per_page=1)
    assert by_worker["total"] == 2 and [i["name"] for i in by_worker["items"]] == ["老王"]
    second = field.list_visits(manager, ROUTE, user_id=world.users["t_field"], per_page=1, page=2)
    assert [i["name"] for i in second["items"]] == ["赵甲"]
    with pytest.raises(NotFound):
        field.list_visits(_user(world, "t_field"), ROUTE, cell_id=world.cells["A1S"])
    recent = field.recent_visits(_user(world, "t_field"), world.cells["A1N"], limit=1)
    assert [i["name"] for i in recent] == ["老王"]
    assert field.recent_visits(_user(world, "t_coordinator"), world.cells["A1S"])[0]["redacted"]
    with pytest.raises(NotFound):
        field.recent_visits(_user(world, "t_field"), world.cells["A2N"])
