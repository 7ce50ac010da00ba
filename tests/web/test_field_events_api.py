"""Events (事件上报) through the API: multipart reports with a photo, idempotent by
client_key, the point in the cell (100 m of slack), the record rules in Chinese (422), the
photo limits (nothing stored on a refusal), closing (办结), reading in scope, and the photos
served only in scope. Each test runs rolled back; photos go to a temporary PHOTO_DIR."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import CellEvent, Photo, User
from gridapp.services.field import photos
from tests.conftest import login
from tests.field_photos import files_under, image_bytes
from tests.world import World

INSIDE = {"A1N": (39.9075, 116.405), "A1S": (39.9025, 116.405)}


@pytest.fixture
def photo_dir(
    app: Flask, db_session: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    return tmp_path


def report(
    client: FlaskClient,
    world: World,
    cell: str = "A1N",
    *,
    key: str = "event-key-0001",
    image: bytes | None = None,
    **fields: Any,
) -> Any:
    lat, lon = INSIDE[cell]
    form: dict[str, Any] = {
        "client_key": key,
        "cell_id": str(world.cells[cell]),
        "category": "sanitation",
        "description": "楼道堆放杂物，影响通行",
        "lat": str(lat),
        "lon": str(lon),
        **fields,
    }
    if image is not None:
        form["photo"] = (io.BytesIO(image), "photo.jpg")
    return client.post("/api/events", data=form, content_type="multipart/form-data")


def _count(app: Flask, model: Any, **where: Any) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(db.session.scalar(query) or 0)


def test_a_report_with_a_photo_is_stored_once_and_a_retry_answers_it(
    app: Flask, world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    first = report(as_field, world, image=image_bytes())
    assert first.status_code == 201, first.json
    event = first.json
    assert event["duplicate"] is False and event["status"] == "open"
    assert (event["category"], event["category_label"]) == ("sanitation", "环境卫生")
    assert (event["lat"], event["lon"]) == (39.9075, 116.405)
    assert event["reporter"] == "t_field" and event["cell_id"] == world.cells["A1N"]
    assert event["photo_url"] == f"/api/photos/{event['photo_id']}"
    stored_files = files_under(photo_dir)
    assert len(stored_files) == 1

    again = report(as_field, world, image=image_bytes("PNG"))
    assert again.status_code == 200
    assert again.json["duplicate"] is True and again.json["id"] == event["id"]
    assert _count(app, CellEvent, client_key="event-key-0001") == 1
    assert _count(app, Photo) == 1 and files_under(photo_dir) == stored_files

    listed = as_field.get("/api/events").json["items"]
    assert [e["id"] for e in listed] == [event["id"]]
    assert listed[0]["photo_url"] == event["photo_url"]


def test_a_key_another_user_sent_is_a_409_and_stores_nothing(
    app: Flask, world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    assert report(as_field, world).status_code == 201
    manager = login(app.test_client(), "t_manager")
    response = report(manager, world, image=image_bytes(), description="另一件事")
    assert response.status_code == 409
    assert "client_key" in response.json["message"] and "其他用户" in response.json["message"]
    assert _count(app, CellEvent) == 1 and _count(app, Photo) == 0
    assert files_under(photo_dir) == []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"lat": "39.912"}, "不在网格"),  # ~220 m north of the cell
        ({"lat": str(INSIDE["A1S"][0])}, "不在网格"),  # in the neighbouring cell
        ({"category": "noise"}, "事件类别"),
        ({"description": "   "}, "事件描述"),
        ({"description": "长" * 1001}, "事件描述最多 1000 个字"),
    ],
)
def test_a_report_breaking_a_rule_is_a_422_in_chinese_and_leaves_nothing(
    app: Flask,
    world: World,
    photo_dir: Path,
    as_field: FlaskClient,
    fields: dict[str, str],
    words: str,
) -> None:
    response = report(as_field, world, image=image_bytes(), **fields)
    assert response.status_code == 422, response.json
    assert response.json["status"] == "unprocessable" and words in response.json["message"]
    assert _count(app, CellEvent) == 0 and _count(app, Photo) == 0
    assert files_under(photo_dir) == []


def test_a_point_within_100_m_of_the_cell_counts_as_in_it(
    world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    # the cell's north edge is lat 39.910; 39.9105 is ~55 m beyond it (GPS error)
    response = report(as_field, world, lat="39.9105")
    assert response.status_code == 201
    assert response.json["lat"] == 39.9105


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"%PDF-1.4 not an image", 415, "不是可识别的图片"),
        (b"", 400, "空文件"),
        (image_bytes(size=(400, 300)), 413, "照片超过"),
    ],
)
def test_a_photo_refused_leaves_no_file_and_no_row(
    app: Flask,
    world: World,
    photo_dir: Path,
    as_field: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    status: int,
    words: str,
) -> None:
    monkeypatch.setitem(app.config, "MAX_PHOTO_LENGTH", 1024)  # the 400×300 JPEG is larger
    response = report(as_field, world, image=data)
    assert response.status_code == status, response.json
    assert words in response.json["message"]
    assert _count(app, CellEvent) == 0 and _count(app, Photo) == 0
    assert files_under(photo_dir) == []


def test_the_form_is_validated_after_the_permission_check(
    app: Flask, world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    coordinator = login(app.test_client(), "t_coordinator")
    assert report(coordinator, world, lat="北").status_code == 403  # the role never reports
    assert report(as_field, world, "A1S", lat="北").status_code == 403  # a cell not theirs
    unknown = report(as_field, world, cell_id="987654", lat="北")
    assert unknown.status_code == 404
    bad = report(as_field, world, lat="北", key="短")
    assert bad.status_code == 400
    assert set(bad.json["errors"]["form"]) == {"lat", "client_key"}
    assert "纬度" in bad.json["message"]
    as_text = report(as_field, world, key="event-key-0002", photo="文字")
    assert as_text.status_code == 400 and "照片" in as_text.json["message"]
    assert _count(app, CellEvent) == 0


def test_closing_an_event_once_then_409_and_coordinators_may_close(
    app: Flask, world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    first = report(as_field, world).json["id"]
    second = report(as_field, world, key="event-key-0002").json["id"]
    closed = as_field.post(f"/api/events/{first}/close", json={"note": "已清理"})
    assert closed.status_code == 200
    assert (closed.json["status"], closed.json["status_label"]) == ("closed", "已办结")
    assert (closed.json["closer"], closed.json["close_note"]) == ("t_field", "已清理")
    assert closed.json["closed_at"] is not None
    twice = as_field.post(f"/api/events/{first}/close", json={"note": "再次"})
    assert twice.status_code == 409 and "已由 t_field 办结" in twice.json["message"]
    coordinator = login(app.test_client(), "t_coordinator")
    by_coordinator = coordinator.post(f"/api/events/{second}/close", json={})
    assert by_coordinator.status_code == 200 and by_coordinator.json["closer"] == "t_coordinator"

    def ids(**query: Any) -> list[int]:
        return [e["id"] for e in as_field.get("/api/events", query_string=query).json["items"]]

    assert ids(status="closed") == [second, first]  # newest first
    assert ids(status="open") == []


def test_events_outside_the_scope_are_404_to_close_and_never_listed(
    app: Flask, world: World, photo_dir: Path, as_field: FlaskClient
) -> None:
    manager = login(app.test_client(), "t_manager")
    south = report(manager, world, "A1S", key="event-key-south").json["id"]
    north = report(as_field, world).json["id"]
    refused = as_field.post(f"/api/events/{south}/close", json={"note": 5})
    assert refused.status_code == 404  # before the body is read: ids don't leak
    assert [e["id"] for e in as_field.get("/api/events").json["items"]] == [north]
    assert {e["id"] for e in manager.get("/api/events").json["items"]} == {north, south}
    by_cell = manager.get("/api/events", query_string={"cell_id": world.cells["A1S"]})
    assert [e["id"] for e in by_cell.json["items"]] == [south]
    by_community = manager.get(
        "/api/events", query_string={"community_id": world.communities["A1"]}
    )
    assert by_community.json["total"] == 2
    assert (
        as_field.get("/api/events", query_string={"cell_id": world.cells["A1S"]}).status_code == 403
    )
    outside = manager.get("/api/events", query_string={"community_id": world.communities["A2"]})
    assert outside.status_code == 403
    paged = manager.get("/api/events", query_string={"per_page": 1, "page": 2}).json
    assert (paged["total"], len(paged["items"]), paged["items"][0]["id"]) == (2, 1, south)


def test_an_event_photo_is_served_only_to_those_who_see_its_cell(
    app: Flask, world: World, photo_dir: Path
) -> None:
    manager = login(app.test_client(), "t_manager")
    event = report(manager, world, "A1S", key="event-key-south", image=image_bytes()).json
    url = event["photo_url"]
    shown = manager.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "private"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.data[:2] == b"\xff\xd8"
    assert login(app.test_client(), "t_coordinator").get(url).status_code == 200
    hidden = login(app.test_client(), "t_field").get(url)  # the worker of A1N, not A1S
    assert hidden.status_code == 404 and "照片" in hidden.json["message"]


def test_a_visit_photo_is_private_to_the_household_readers(
    app: Flask, world: World, photo_dir: Path
) -> None:
    with app.app_context():
        user = db.session.get_one(User, world.users["t_field"])
        with photos.stored(image_bytes("PNG"), world.cells["A1N"], user, private=True) as photo:
            assert photo is not None
            photo_id = photo.id
            db.session.commit()
    url = f"/api/photos/{photo_id}"
    for username, status in (
        ("t_field", 200), ("t_manager", 200), ("t_admin", 200), ("t_coordinator", 404)
    ):  # fmt: skip
        assert login(app.test_client(), username).get(url).status_code == status, username
    assert login(app.test_client(), "t_field").get(url).mimetype == "image/png"
