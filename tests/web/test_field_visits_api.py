"""The visits API (走访), the due list and my cells, per role: multipart visits with a
photo, 201 new / 200 duplicate, permission before validation, Chinese refusals, the
access log. Each test runs rolled back (``db_session``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Photo, Visit
from tests.conftest import login
from tests.field_world import NAMES, add_households, add_members, jpeg_with_gps
from tests.web.test_error_messages import assert_chinese
from tests.world import World


@pytest.fixture
def ids(app: Flask, world: World, db_session: None) -> Iterator[dict[str, int]]:
    with app.app_context():
        by_cell = add_households(db.session, world)
        households = {
            n: hid for c, names in NAMES.items() for n, hid in zip(names, by_cell[c], strict=True)
        }
        members = add_members(db.session, world)
        db.session.commit()
    yield {**households, **members}


@pytest.fixture
def photo_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    return tmp_path


def _post(client: FlaskClient, photo: bytes | None = None, **form: Any) -> Any:
    data: dict[str, Any] = {k: str(v) for k, v in form.items()}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post("/api/visits", data=data, content_type="multipart/form-data")


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        visits = db.session.scalar(select(func.count()).select_from(Visit)) or 0
        photos = db.session.scalar(select(func.count()).select_from(Photo)) or 0
    return visits, photos


def _log(app: Flask, **query: int) -> list[dict[str, Any]]:
    response = login(app.test_client(), "t_admin").get("/api/household-access", query_string=query)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json["items"]
    return items


def test_a_visit_is_created_then_a_resend_answers_it_as_a_duplicate(
    app: Flask, world: World, ids: dict[str, int], as_field: FlaskClient, photo_dir: Path
) -> None:
    form = {"client_key": "api-visit-0001", "household_id": ids["钱乙"], "note": "送去米面油"}
    created = _post(as_field, jpeg_with_gps(), **form, lat=39.907, lon=116.405, method="street")
    assert created.status_code == 201, created.json
    body = created.json
    assert body["duplicate"] is False and body["name"] == "钱乙" and body["note"] == "送去米面油"
    assert (body["method_label"], body["lat"], body["lon"]) == ("路遇交谈", 39.907, 116.405)
    assert body["photo_url"] == f"/api/photos/{body['photo_id']}"
    again = _post(as_field, jpeg_with_gps(), **form)
    assert again.status_code == 200
    assert again.json == {**body, "duplicate": True}
    assert _counts(app) == (1, 1) and len(list(photo_dir.rglob("*.jpg"))) == 1
    log = _log(app, household_id=ids["钱乙"])
    assert {(r["route"], r["purpose"]) for r in log} == {("field_api.record_visit", "登记走访")}


def test_a_member_visit_without_photo_and_with_a_local_time(
    world: World, ids: dict[str, int], as_field: FlaskClient
) -> None:
    when = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    response = _post(
        as_field, client_key="api-visit-0002", member_id=ids["老王"], visited_at=when.isoformat()
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["target"], body["member_id"], body["name"]) == ("member", ids["老王"], "老王")
    assert datetime.fromisoformat(body["visited_at"]) == when and body["photo_id"] is None


@pytest.mark.parametrize(
    ("username", "target", "status"),
    [
        ("t_coordinator", "赵甲", 403),  # never records visits, whatever the target
        ("t_field", "李丁", 404),  # a household of the neighbouring cell
        ("t_field", "外乡", 404),  # a member living in another cell
        ("t_manager", "郑庚", 404),  # another subdistrict
    ],
)
def test_permission_comes_before_the_form_is_validated(
    app: Flask, world: World, ids: dict[str, int], username: str, target: str, status: int
) -> None:
    client = login(app.test_client(), username)
    key = "member_id" if target == "外乡" else "household_id"
    for form in ({"client_key": "api-visit-0003"}, {"client_key": "?", "method": "飞"}):
        response = _post(client, b"not an image", **form, **{key: ids[target]})
        assert response.status_code == status, response.json
        assert_chinese(response.json)
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"client_key": "short"}, "提交编号的格式不正确"),
        ({"client_key": "api-visit-0004", "member_id": "老王"}, "二者选一"),  # and the household
        ({"client_key": "api-visit-0004", "method": "visit"}, "走访方式应为"),
        ({"client_key": "api-visit-0004", "note": "长" * 501}, "走访情况最多 500 个字"),
        ({"client_key": "api-visit-0004", "lat": "39.9"}, "经度和纬度应同时填写"),
        ({"client_key": "api-visit-0004", "lat": "99", "lon": "116"}, "纬度应在 -90 到 90 之间"),
        ({"client_key": "api-visit-0004", "visited_at": "昨天"}, "走访时间"),
        ({"client_key": "api-visit-0004", "color": "red"}, "不接受的字段"),
    ],
)
def test_a_wrong_form_is_a_400_naming_the_field_in_chinese(
    app: Flask, ids: dict[str, int], as_field: FlaskClient, form: dict[str, str], words: str
) -> None:
    if "member_id" in form:
        form = {**form, "member_id": str(ids[form["member_id"]])}
    response = _post(as_field, household_id=ids["赵甲"], **form)
    assert response.status_code == 400, response.json
    assert words in assert_chinese(response.json, "home", "phone", "street", "color")
    assert _counts(app) == (0, 0)


def test_a_visit_in_the_future_is_a_422_in_chinese(
    app: Flask, ids: dict[str, int], as_field: FlaskClient
) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = _post(
        as_field, client_key="api-visit-0005", household_id=ids["赵甲"], visited_at=later
    )
    assert response.status_code == 422
    assert "不能晚于当前时间" in assert_chinese(response.json)
    assert _counts(app) == (0, 0)


def test_a_key_of_another_user_is_a_409(
    app: Flask, world: World, ids: dict[str, int], as_field: FlaskClient
) -> None:
    assert _post(as_field, client_key="api-visit-0006", household_id=ids["赵甲"]).status_code == 201
    manager = login(app.test_client(), "t_manager")
    response = _post(manager, client_key="api-visit-0006", household_id=ids["赵甲"])
    assert response.status_code == 409 and "client_key" in response.json["message"]
    assert _counts(app) == (1, 0)


@pytest.mark.parametrize(
    ("photo", "limits", "status"),
    [
        (b"GIF89a not really", {}, 415),
        (b"", {}, 400),
        (None, {"MAX_PHOTO_LENGTH": 1000}, 413),  # the photo is above its limit
        (None, {"MAX_CONTENT_LENGTH": 2000}, 413),  # the request is above the body limit
    ],
)
def test_a_refused_photo_writes_nothing(
    app: Flask,
    ids: dict[str, int],
    as_field: FlaskClient,
    photo_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    photo: bytes | None,
    limits: dict[str, int],
    status: int,
) -> None:
    for key, value in limits.items():
        monkeypatch.setitem(app.config, key, value)
    data = jpeg_with_gps((600, 400)) if photo is None else photo
    response = _post(as_field, data, client_key="api-visit-0007", household_id=ids["赵甲"])
    assert response.status_code == status, response.json
    assert_chinese(response.json, "JPEG", "PNG", "WEBP")
    assert _counts(app) == (0, 0) and list(photo_dir.rglob("*.*")) == []


def test_visits_list_redacted_for_those_who_do_not_read_names(
    app: Flask, world: World, ids: dict[str, int], as_field: FlaskClient
) -> None:
    _post(as_field, client_key="api-visit-0008", household_id=ids["赵甲"], note="了解近况")
    mine = as_field.get("/api/visits", query_string={"cell_id": world.cells["A1N"]})
    assert mine.status_code == 200
    (item,) = mine.json["items"]
    assert (item["name"], item["note"], item["redacted"]) == ("赵甲", "了解近况", False)
    coordinator = login(app.test_client(), "t_coordinator").get("/api/visits")
    (hidden,) = coordinator.json["items"]
    assert hidden["redacted"] is True and hidden["name"] is None and hidden["note"] is None
    assert (hidden["user_name"], hidden["method"]) == ("t_field", "home")
    assert "赵甲" not in coordinator.get_data(as_text=True)
    worker = {"id": world.users["t_field"], "name": "t_field"}
    assert coordinator.json["workers"] == [worker] == mine.json["workers"]
    outside = as_field.get("/api/visits", query_string={"cell_id": world.cells["A1S"]})
    assert outside.status_code == 404
    bad = as_field.get("/api/visits", query_string={"per_page": 0})
    assert bad.status_code == 400 and "每页条数" in assert_chinese(bad.json)
    routes = {r["route"] for r in _log(app, household_id=ids["赵甲"])}
    assert routes == {"field_api.record_visit", "field_api.visits"}


def test_the_due_list_and_my_cells(
    app: Flask, world: World, ids: dict[str, int], as_field: FlaskClient
) -> None:
    response = as_field.get("/api/field/due")
    assert response.status_code == 200
    items = response.json["items"]
    assert {i["name"] for i in items} == {"钱乙", "赵甲", "老王", "小新", "小流"}
    assert items[0]["never_visited"] is True and items[0]["interval_days"] == 7
    assert (
        as_field.get("/api/field/due", query_string={"cell_id": world.cells["A1S"]}).status_code
        == 404
    )
    logged = _log(app, user_id=world.users["t_field"])
    assert {r["route"] for r in logged} == {"field_api.due"} and len(logged) == 2
    cells = as_field.get("/api/field/my-cells").json["cells"]
    assert [(c["id"], c["visits_due"], c["can_read_names"]) for c in cells] == [
        (world.cells["A1N"], 5, True)
    ]
    coordinator = login(app.test_client(), "t_coordinator")
    assert coordinator.get("/api/field/due").json == {"items": []}
    theirs = coordinator.get("/api/field/my-cells").json["cells"]
    assert len(theirs) == 4 and {c["visits_due"] for c in theirs} == {0}
