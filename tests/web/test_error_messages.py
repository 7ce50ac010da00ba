"""Refusals are clear Chinese: no marshmallow, webargs, Python or GEOS text reaches the user.

Each case of issue 9 ("Error messages") is sent as a user would send it and checked for its
status, a Chinese message that names the problem, no English words from a library anywhere
in ``message``/``errors``/``geometry_note``, and that nothing was written. World cells
(tests/world.py): community A1 = 116.40–116.41 × 39.90–39.91 with cells A1N and A1S.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from typing import Any

import marshmallow
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import CellAssignment, CellChange, GridCell, Member
from gridapp.services.organisations.imports import COLUMNS
from gridapp.web import validation
from tests.world import World

# Words a Chinese message may contain: format and type names the user is asked for.
ALLOWED_WORDS = {"GeoJSON", "JSON", "EPSG", "Polygon", "MultiPolygon", "LineString", "CSV", "XLSX"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")
A1 = (116.40, 39.90, 116.41, 39.91)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def assert_chinese(body: Any, *also_allowed: str) -> str:
    """The refusal's texts are Chinese with no library English; returns the message."""
    assert isinstance(body, dict), body
    message = body["message"]
    assert CJK.search(message), body
    texts = [message, *_strings(body.get("errors", {})), body.get("geometry_note", "")]
    allowed = ALLOWED_WORDS | set(also_allowed)
    english = {w for t in texts for w in ENGLISH_WORD.findall(t)} - allowed
    assert not english, (english, body)
    return str(message)


def _ring(*points: tuple[float, float]) -> list[list[float]]:
    return [list(p) for p in points]


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = _ring((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return {"type": "Polygon", "coordinates": [ring]}


def _circle(cx: float, cy: float, r: float, n: int) -> dict[str, Any]:
    ring = [
        [cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _draw(client: FlaskClient, world: World, geometry: Any, **extra: Any) -> Any:
    body = {"community_id": world.communities["A1"], "name": "新网格", "geometry": geometry}
    return client.post("/api/cells/draw", json={**body, **extra})


def _reshape(client: FlaskClient, world: World, geometry: Any, version: Any = 1) -> Any:
    cell = {"id": world.cells["A1N"], "version": version, "geometry": geometry}
    return client.post(
        "/api/changes", json={"community_id": world.communities["A1"], "cells": [cell]}
    )


def _writes(app: Flask) -> tuple[int, int, int]:
    """Rows an edit or an import would add to: cells, recorded changes, members."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(GridCell)) or 0,
            db.session.scalar(select(func.count()).select_from(CellChange)) or 0,
            db.session.scalar(select(func.count()).select_from(Member)) or 0,
        )


@pytest.fixture
def unchanged(app: Flask, db_session: None) -> Iterator[None]:
    """The test's requests write nothing."""
    before = _writes(app)
    yield
    assert _writes(app) == before


# -- geometry given the wrong way -------------------------------------------------------


def test_a_string_as_geometry_is_refused_in_chinese(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    response = _draw(as_manager, world, "POLYGON((116.40 39.90, 116.41 39.90, 116.40 39.90))")
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "几何应为 GeoJSON 几何对象" in message
    assert response.json["errors"]["json"]["geometry"]["_schema"] == ["几何应为 GeoJSON 几何对象"]


def test_a_wrong_geometry_type_names_the_types_accepted(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    response = _draw(as_manager, world, {"type": "Point", "coordinates": [116.405, 39.905]})
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "几何 › 类型应为 Polygon 或 MultiPolygon" in message


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        ([[[116.401, 39.901], None, [116.402, 39.902], [116.401, 39.901]]], "第 2 个点应为"),
        ([[[116.401, None], [116.402, 39.901], [116.402, 39.902], [116.401, 39.901]]], "数值"),
        ([[["116.401", "39.901"], [116.402, 39.901], [116.402, 39.902]]], "数值"),
        ([[116.401, 39.901], [116.402, 39.901]], "坐标层次不对"),
        ([[[[116.401, 39.901]]]], "坐标层次不对"),
        ([], "没有任何环"),
        ([None], "坐标层次不对"),
    ],
    ids=["null-point", "null-coordinate", "text", "too-shallow", "too-deep", "no-ring", "null"],
)
def test_malformed_coordinates_are_refused_before_any_geometry_work(
    as_manager: FlaskClient, world: World, unchanged: None, coordinates: Any, expected: str
) -> None:
    response = _reshape(as_manager, world, {"type": "Polygon", "coordinates": coordinates})
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert expected in message and "网格几何" in message


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_nan_or_infinite_coordinate_is_refused_without_geos_text(
    as_manager: FlaskClient, world: World, unchanged: None, number: str
) -> None:
    ring = f"[[116.401, 39.901], [{number}, 39.901], [116.402, 39.902], [116.401, 39.901]]"
    body = (
        f'{{"community_id": {world.communities["A1"]}, "name": "新网格", '
        f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}'
    )
    response = as_manager.post("/api/cells/draw", data=body, content_type="application/json")
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "第 2 个点的坐标不是有限数值" in message


def test_a_nan_in_a_split_line_is_refused_in_chinese(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    body = '{"version": 1, "line": {"type": "LineString", "coordinates": [[NaN, 39.905], [1, 2]]}}'
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/split", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "坐标应为有限的数字" in assert_chinese(response.json)


def test_an_unclosed_three_point_ring_is_refused_as_unclosed_not_as_outside(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    triangle = _ring((116.401, 39.906), (116.409, 39.906), (116.405, 39.909))
    response = _reshape(as_manager, world, {"type": "Polygon", "coordinates": [triangle]})
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "未闭合" in message and "超出" not in message


def test_a_ring_with_fewer_than_three_distinct_vertices_is_refused(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    ring = _ring((116.401, 39.906), (116.409, 39.906), (116.401, 39.906))
    response = _draw(as_manager, world, {"type": "Polygon", "coordinates": [ring]})
    assert response.status_code == 400
    assert "至少需要 3 个不同的顶点" in assert_chinese(response.json)


def test_a_self_intersecting_polygon_is_refused_without_geos_text(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    bowtie = _ring(
        (116.401, 39.906), (116.409, 39.909), (116.409, 39.906), (116.401, 39.909),
        (116.401, 39.906),
    )  # fmt: skip
    response = _draw(as_manager, world, {"type": "Polygon", "coordinates": [bowtie]})
    assert response.status_code == 422
    assert "自相交" in assert_chinese(response.json)
    assert response.json["geometry"]["type"] == "Point"  # where it crosses itself


# -- other fields -----------------------------------------------------------------------


def test_version_zero_is_refused_in_chinese_naming_the_field(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/rename", json={"version": 0, "name": "改名"}
    )
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "版本号应在 1 到 2147483647 之间" in message
    assert response.json["errors"]["json"]["version"] == ["版本号应在 1 到 2147483647 之间"]


def test_nested_field_errors_say_which_item(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    cells = [{"id": world.cells["A1N"], "version": "one"}]
    response = as_manager.post(
        "/api/changes", json={"community_id": world.communities["A1"], "cells": cells}
    )
    assert response.status_code == 400
    assert "网格第 1 项 › 版本号应为整数" in assert_chinese(response.json)


def test_missing_fields_and_unknown_fields_are_named(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/rename", json={"name": "改名", "colour": "red"}
    )
    assert response.status_code == 400
    message = assert_chinese(response.json, "colour")  # the client's own field name
    assert "版本号必须填写" in message and "不接受的字段“colour”" in message


def test_a_body_that_is_not_json_is_refused_in_chinese(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    response = as_manager.post("/api/cells/draw", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "不是有效的 JSON" in assert_chinese(response.json)
    listed = as_manager.post("/api/cells/draw", json=[1, 2])
    assert listed.status_code == 400
    assert "请求体应为 JSON 对象" in assert_chinese(listed.json)


def test_query_parameters_are_refused_in_chinese(as_coordinator: FlaskClient) -> None:
    response = as_coordinator.get("/api/cells?community_id=abc")
    assert response.status_code == 400
    assert "社区编号应为整数" in assert_chinese(response.json)
    assert response.json["errors"]["query"]["community_id"] == ["社区编号应为整数"]
    minutes = as_coordinator.get("/api/coverage/service?minutes=0")
    assert minutes.status_code == 400
    assert "步行时间（分钟）应在" in assert_chinese(minutes.json)


def test_every_request_field_has_a_chinese_label_and_chinese_messages(app: Flask) -> None:
    """Walk every schema a route parses (bodies, queries, files) with the nested ones: each
    derives from the app's base schema and each field has a Chinese name, so no English can
    reach a user from a future schema either."""
    seen: set[type] = set()
    unlabelled: list[str] = []
    english: list[str] = []

    def walk(schema: Any) -> None:
        instance = schema() if isinstance(schema, type) else schema
        if type(instance) in seen:
            return
        seen.add(type(instance))
        assert isinstance(instance, validation.Schema), type(instance)
        for name, field in instance.load_fields.items():
            if not (field.metadata.get("label") or name in validation.FIELD_LABELS):
                unlabelled.append(f"{type(instance).__name__}.{name}")
            inner = [field]
            while inner:
                f = inner.pop()
                english.extend(m for m in f.error_messages.values() if not CJK.search(str(m)))
                english.extend(
                    str(getattr(v, "error", "") or "")
                    for v in f.validators
                    if isinstance(v, marshmallow.validate.Validator)
                    and getattr(v, "error", None)
                    and not CJK.search(str(v.error))
                )
                if isinstance(f, marshmallow.fields.List):
                    inner.append(f.inner)
                if isinstance(f, marshmallow.fields.Mapping):
                    inner.extend(x for x in (f.key_field, f.value_field) if x is not None)
                if isinstance(f, marshmallow.fields.Nested):
                    walk(f.schema)

    parsed = 0
    for view in app.view_functions.values():
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            walk(parameter["schema"])
            parsed += 1
    assert parsed >= 20  # every parsing route was found
    assert unlabelled == []
    assert english == []


# -- size limits ------------------------------------------------------------------------


def test_a_request_body_above_the_limit_is_a_chinese_413(
    app: Flask, as_manager: FlaskClient, world: World, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = _draw(as_manager, world, _circle(116.405, 39.905, 0.001, 300))
    assert response.status_code == 413
    message = assert_chinese(response.json)
    assert "请求内容过大" in message and "4 KB" in message


def test_a_form_above_the_limit_is_a_chinese_flash(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post(
        "/login", data={"username": "t_admin", "password": "x" * 5000}, follow_redirects=True
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "请求内容过大：本次提交的上限为 1 KB" in page
    assert "Request Entity Too Large" not in page


def test_a_form_field_above_the_form_memory_limit_is_a_chinese_flash(
    app: Flask, client: FlaskClient, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1000)
    response = client.post(
        "/login",
        data={"username": "t_admin", "password": "x" * 5000},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "请求内容过大：表单中有一项内容过长" in response.get_data(as_text=True)


def test_page_errors_are_chinese_pages(as_field: FlaskClient) -> None:
    missing = as_field.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "<h1>未找到</h1>" in missing.get_data(as_text=True)
    wrong_method = as_field.get("/logout")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert "<h1>不支持该请求方法</h1>" in wrong_method.get_data(as_text=True)
    for page in (missing.get_data(as_text=True), wrong_method.get_data(as_text=True)):
        assert "requested URL" not in page and "Not Allowed" not in page


def test_the_login_form_refuses_in_chinese(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "u" * 60, "password": "p" * 300})
    page = response.get_data(as_text=True)
    assert "用户名最多 50 个字" in page and "密码最多 200 个字" in page
    assert "Field cannot" not in page and "longer than" not in page


def test_a_geometry_above_the_vertex_limit_is_refused_before_it_is_read(
    app: Flask, as_manager: FlaskClient, world: World, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_GEOMETRY_VERTICES", 500)
    geometry = _circle(116.405, 39.905, 0.001, 600)
    geometry["coordinates"][0][1] = [None, "not even a number"]  # never looked at
    response = _draw(as_manager, world, geometry)
    assert response.status_code == 413
    message = assert_chinese(response.json)
    assert "顶点过多：共 601 个，上限为 500 个" in message
    assert response.json["errors"] == {"vertices": 601, "max_vertices": 500}


def test_a_split_line_above_the_vertex_limit_is_refused_before_its_points_are_parsed(
    app: Flask, as_manager: FlaskClient, world: World, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_GEOMETRY_VERTICES", 100)
    points: list[Any] = [[116.40 + i * 1e-5, 39.905] for i in range(150)]
    points[3] = ["west", "north"]  # the schema would refuse this (400) had it read the points
    line = {"type": "LineString", "coordinates": points}
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/split", json={"version": 1, "line": line}
    )
    assert response.status_code == 413
    assert "共 150 个，上限为 100 个" in assert_chinese(response.json)


def test_a_refused_geometry_is_simplified_in_the_error_body(
    app: Flask, as_manager: FlaskClient, world: World, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_ERROR_GEOMETRY_VERTICES", 100)
    far = _circle(116.45, 39.95, 0.002, 3000)  # nowhere near community A1
    response = _draw(as_manager, world, far, carve=True)
    assert response.status_code == 422
    message = assert_chinese(response.json)
    assert "不在社区内" in message
    note = response.json["geometry_note"]
    assert "3001 个顶点" in note and "已简化" in note
    returned = response.json["geometry"]["coordinates"][0]
    assert 4 <= len(returned) <= 100
    assert len(response.data) < 10_000


def test_a_refused_geometry_too_complex_to_simplify_is_left_out(
    app: Flask, as_manager: FlaskClient, world: World, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_ERROR_GEOMETRY_VERTICES", 3)  # less than a triangle
    response = _draw(as_manager, world, _circle(116.45, 39.95, 0.002, 50), carve=True)
    assert response.status_code == 422
    assert_chinese(response.json)
    assert "geometry" not in response.json
    assert "未随错误返回" in response.json["geometry_note"]


def test_413_is_documented_for_every_route_that_reads_a_body(client: FlaskClient) -> None:
    from tests.conftest import login

    document = login(client, "t_coordinator").get("/api/openapi.json").json
    operations = [
        (f"{method.upper()} {path}", op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "requestBody" in op
    ]
    assert len(operations) >= 15
    assert [name for name, op in operations if "413" not in op["responses"]] == []
    schema = document["components"]["schemas"]["ApiError"]["properties"]
    assert "geometry_note" in schema


# -- bulk import ------------------------------------------------------------------------


def _upload(client: FlaskClient, name: str, data: bytes, dry_run: bool = False) -> Any:
    files = {"file": (io.BytesIO(data), name)}
    return client.post(
        f"/api/imports/assignments?dry_run={'true' if dry_run else 'false'}",
        data=files,
        content_type="multipart/form-data",
    )


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _assignments(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CellAssignment)) or 0


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_header_only_import_is_refused_saying_there_are_no_rows(
    app: Flask, as_coordinator: FlaskClient, unchanged: None, dry_run: bool
) -> None:
    before = _assignments(app)
    header = ",".join(COLUMNS["assignments"])
    for name, data in [
        ("assignments.csv", f"\ufeff{header}\n,,\n\n".encode()),
        ("assignments.xlsx", _xlsx([COLUMNS["assignments"]])),
    ]:
        response = _upload(as_coordinator, name, data, dry_run)
        assert response.status_code == 422, (name, response.json)
        assert "文件中没有数据行" in assert_chinese(response.json), name
    assert _assignments(app) == before


def test_an_empty_import_file_is_refused_in_chinese(
    as_coordinator: FlaskClient, unchanged: None
) -> None:
    response = _upload(as_coordinator, "assignments.csv", b"")
    assert response.status_code == 400
    assert "文件是空的" in assert_chinese(response.json)


def test_an_upload_has_its_own_larger_limit(
    app: Flask, as_coordinator: FlaskClient, unchanged: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_LENGTH", 8 * 1024)
    header = ",".join(COLUMNS["assignments"]).encode()
    padded = header + b"\n" + b",,\n" * 1000  # 3 KB: over the JSON limit, under the upload one
    response = _upload(as_coordinator, "assignments.csv", padded)
    assert response.status_code == 422 and "没有数据行" in response.json["message"]
    huge = _upload(as_coordinator, "assignments.csv", header + b"\n" + b",,\n" * 5000)
    assert huge.status_code == 413
    assert "上限为 8 KB" in assert_chinese(huge.json)


def test_a_long_list_of_bad_items_is_summed_up(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    """A refusal of a long list of bad items names a few and counts the rest."""
    cells = [{"id": "x"} for _ in range(50)]
    response = as_manager.post(
        "/api/changes", json={"community_id": world.communities["A1"], "cells": cells}
    )
    assert response.status_code == 400
    message = assert_chinese(response.json)
    assert "共 50 处问题" in message and len(message) < 300


def test_split_and_merge_refusals_name_their_fields_in_chinese(
    as_manager: FlaskClient, world: World, unchanged: None
) -> None:
    line = {"type": "LineString", "coordinates": [[116.403, 39.904], [116.403, 39.911]]}
    url = f"/api/cells/{world.cells['A1N']}/split"
    split = as_manager.post(url, json={"version": 1, "line": line, "assignments_to": 7})
    assert split.status_code == 400, split.json
    assert "随之转入的部分" in assert_chinese(split.json)
    cells = [{"id": world.cells[k], "version": 1} for k in ("A1N", "A1S")]
    merge = as_manager.post("/api/cells/merge", json={"cells": cells, "keep": world.cells["A2N"]})
    assert merge.status_code == 400, merge.json
    assert "保留的网格" in assert_chinese(merge.json)
