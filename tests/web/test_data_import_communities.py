"""Importing communities (社区边界) from files, against the test world: subdistrict A
(110199001, 116.40–116.42 E) holds communities A1 (west) and A2 (east), each split into two
cells; subdistrict B (110199002) holds B1. A subdistrict C with no community yet is made
here, as a real 街道 moving in would have it (its outline loaded from OSM)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import select, update

from gridapp.core.datums import Datum
from gridapp.core.vocab import Role, ServiceKind
from gridapp.extensions import db
from gridapp.models import Community, GridCell, ServicePoint, Subdistrict, User, UserScope
from tests.conftest import PASSWORD, login
from tests.web.test_data_import_api import frame, geojson, hausdorff_m, shapefile_zip, upload
from tests.world import World

C = "110199003"
C_AREA = box(116.60, 39.90, 116.62, 39.91)
C_WEST = box(116.60, 39.90, 116.61, 39.91)
C_EAST = box(116.61, 39.90, 116.62, 39.91)
A1_AREA = box(116.40, 39.90, 116.41, 39.91)
A2_AREA = box(116.41, 39.90, 116.42, 39.91)


@pytest.fixture
def sub_c(app: Flask, db_session: None) -> Iterator[int]:
    """Subdistrict C (no community yet), a station in it, and a manager scoped to it."""
    with app.app_context():
        sub = Subdistrict(
            code=C,
            name="测试丙街道",
            district_name="测试区",
            geom=from_shape(MultiPolygon([C_AREA]), srid=4326),
        )
        db.session.add(sub)
        db.session.flush()
        db.session.add(
            ServicePoint(
                subdistrict_id=sub.id,
                kind=ServiceKind.LOVE_POST.value,
                name="丙街道爱心驿站",
                geom=from_shape(Point(116.615, 39.905), srid=4326),
            )
        )
        manager = User(
            username="t_sub_manager",
            display_name="街道网格管理员",
            role=Role.GRID_MANAGER.value,
            scopes=[UserScope(subdistrict_id=sub.id)],
        )
        manager.set_password(PASSWORD)
        db.session.add(manager)
        db.session.commit()
        yield sub.id


def communities_of(app: Flask, code: str) -> dict[str, Community]:
    with app.app_context():
        rows = db.session.scalars(
            select(Community).join(Subdistrict).where(Subdistrict.code == code)
        ).all()
        for c in rows:
            db.session.expunge(c)
        return {c.code: c for c in rows}


def commit(client: FlaskClient, job: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 202, response.get_json()
    return client.get(f"/api/layer-imports/{job['id']}").get_json()


@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02])
def test_a_subdistrict_manager_imports_the_communities_of_a_new_subdistrict(
    app: Flask, client: FlaskClient, tmp_path: Any, sub_c: int, datum: Datum
) -> None:
    manager = login(client, "t_sub_manager")
    data = frame([(C + "001", "丙一社区", C_WEST), (C + "002", "丙二社区", C_EAST)])
    status, job = upload(
        manager, shapefile_zip(tmp_path, data, datum), "社区.zip", layer="communities", crs=datum
    )
    assert status == 202, job
    preview = job["preview"]
    assert preview["summary"]["inserts"] == 2 and preview["summary"]["updates"] == 0
    assert preview["problems"] == [] and preview["can_commit"] is True, preview["partition"]
    assert [f["properties"]["action"] for f in preview["features"]["features"]] == ["insert"] * 2
    assert [s["code"] for s in preview["subdistricts"]] == [C]
    assert "fingerprint" not in preview  # kept for the commit only

    done = commit(manager, job)
    assert done["status"] == "committed", done
    assert done["result"]["inserts"] == 2 and len(done["result"]["community_ids"]) == 2
    got = communities_of(app, C)
    assert {c.name for c in got.values()} == {"丙一社区", "丙二社区"}
    assert hausdorff_m(to_shape(got[C + "001"].geom), C_WEST) < 1.0
    assert hausdorff_m(to_shape(got[C + "002"].geom), C_EAST) < 1.0
    with app.app_context():
        station = db.session.scalars(
            select(ServicePoint).where(ServicePoint.subdistrict_id == sub_c)
        ).one()
        assert station.community_id == got[C + "002"].id  # re-filed into its new community


def test_a_vertex_csv_with_chinese_headers_imports_communities(
    app: Flask, as_admin: FlaskClient, sub_c: int
) -> None:
    rows = ["社区编码,社区名称,序号,经度,纬度"]
    for code, name, outline in ((C + "001", "丙一社区", C_WEST), (C + "002", "丙二社区", C_EAST)):
        for seq, (x, y) in enumerate(outline.exterior.coords[:-1], start=1):
            rows.append(f"{code},{name},{seq},{x},{y}")
    status, job = upload(as_admin, "\n".join(rows).encode("gbk"), "社区.csv", layer="communities")
    assert status == 202, job
    assert job["preview"]["can_commit"] is True, job["preview"]
    assert commit(as_admin, job)["status"] == "committed"
    assert set(communities_of(app, C)) == {C + "001", C + "002"}


def test_a_community_scoped_manager_and_other_roles_may_not_import_communities(
    db_session: None, client: FlaskClient
) -> None:
    data = geojson(frame([("110199001001", "甲一社区", A1_AREA)]))
    for username in ("t_manager", "t_coordinator", "t_field"):
        login(client, username)
        status, body = upload(client, data, "社区.geojson", layer="communities")
        assert status == 403, body
        assert "社区" in body["message"] or "导入" in body["message"]
        client.post("/logout")


def test_a_community_of_a_subdistrict_out_of_scope_is_a_problem_without_saying_which(
    app: Flask, client: FlaskClient, sub_c: int
) -> None:
    manager = login(client, "t_sub_manager")
    data = frame(
        [
            ("110199002001", "乙一社区", box(116.50, 39.90, 116.51, 39.91)),  # exists, not hers
            ("110199099001", "无此社区", box(116.70, 39.90, 116.71, 39.91)),  # no such subdistrict
        ]
    )
    _, job = upload(manager, geojson(data), "社区.geojson", layer="communities")
    messages = [p["message"] for p in job["preview"]["problems"]]
    assert len(messages) == 2 and all("不存在，或不在您的管辖范围内" in m for m in messages)
    assert job["preview"]["can_commit"] is False
    assert manager.post(f"/api/layer-imports/{job['id']}/commit", json={}).status_code == 400
    assert communities_of(app, "110199002")["110199002001"].name == "乙一社区"


def test_bad_codes_and_names_are_feature_problems(db_session: None, as_admin: FlaskClient) -> None:
    data = frame(
        [
            ("11019900100", "短编码", A1_AREA),
            ("110199001000", "序号为零", A1_AREA),
            ("110199001001", "", A1_AREA),
            ("110199001002", "甲二社区", A2_AREA),
            ("110199001002", "甲二社区重复", A2_AREA),
        ]
    )
    _, job = upload(as_admin, geojson(data), "社区.geojson", layer="communities")
    problems = {p["feature"]: p["category"] for p in job["preview"]["problems"]}
    assert problems == {1: "编码格式错误", 2: "编码格式错误", 3: "缺少名称", 5: "编码重复"}
    assert job["preview"]["can_commit"] is False


def test_a_community_shrunk_under_its_cells_is_an_error_naming_them(
    app: Flask, db_session: None, as_admin: FlaskClient, world: World
) -> None:
    smaller = box(116.40, 39.90, 116.41, 39.906)  # leaves the north cell of A1 outside
    _, job = upload(
        as_admin,
        geojson(frame([("110199001001", "甲一社区", smaller)])),
        "社区.geojson",
        layer="communities",
    )
    preview = job["preview"]
    outside = [p for p in preview["partition"] if p["kind"] == "cells_outside"]
    assert len(outside) == 1 and outside[0]["severity"] == "error"
    assert outside[0]["cells"] == ["110199001001001"] and "新边界" in outside[0]["message"]
    assert preview["can_commit"] is False
    assert preview["summary"]["gaps"] >= 1  # the strip it left is a gap of the subdistrict


def test_overlapping_communities_are_an_error_and_a_rename_updates(
    app: Flask, db_session: None, as_admin: FlaskClient, world: World
) -> None:
    overlapping = frame(
        [
            ("110199001001", "甲一社区", A1_AREA),
            ("110199001003", "甲三社区", box(116.405, 39.90, 116.415, 39.91)),
        ]
    )
    _, job = upload(as_admin, geojson(overlapping), "社区.geojson", layer="communities")
    kinds = {p["kind"]: p["severity"] for p in job["preview"]["partition"]}
    assert kinds.get("overlap") == "error" and job["preview"]["can_commit"] is False

    renamed = frame([("110199001001", "甲一社区（新名）", A1_AREA)])
    _, job = upload(as_admin, geojson(renamed), "社区.geojson", layer="communities")
    assert job["preview"]["summary"]["updates"] == 1 and job["preview"]["can_commit"] is True
    assert commit(as_admin, job)["status"] == "committed"
    assert communities_of(app, "110199001")["110199001001"].name == "甲一社区（新名）"


def test_replace_deletes_only_communities_nothing_hangs_on(
    app: Flask, as_admin: FlaskClient, world: World, sub_c: int
) -> None:
    both = frame([(C + "001", "丙一社区", C_WEST), (C + "002", "丙二社区", C_EAST)])
    _, job = upload(as_admin, geojson(both), "社区.geojson", layer="communities")
    assert commit(as_admin, job)["status"] == "committed"
    west_only = frame([(C + "001", "丙一社区", C_AREA)])
    _, job = upload(
        as_admin, geojson(west_only), "社区.geojson", layer="communities", mode="replace"
    )
    assert job["preview"]["summary"]["deletes"] == 1 and job["preview"]["can_commit"] is True
    assert commit(as_admin, job)["status"] == "committed"
    assert set(communities_of(app, C)) == {C + "001"}

    # A2 has cells (and history could hang on them): replacing A without it is refused
    _, job = upload(
        as_admin,
        geojson(frame([("110199001001", "甲一社区", A1_AREA)])),
        "社区.geojson",
        layer="communities",
        mode="replace",
    )
    in_use = [p for p in job["preview"]["partition"] if p["kind"] == "in_use"]
    assert len(in_use) == 1 and "2 个网格" in in_use[0]["message"]
    assert job["preview"]["can_commit"] is False
    assert "110199001002" in communities_of(app, "110199001")


def test_a_cell_edited_after_the_preview_fails_the_commit_and_nothing_is_written(
    app: Flask, db_session: None, as_admin: FlaskClient, world: World
) -> None:
    renamed = frame([("110199001001", "甲一社区（新名）", A1_AREA)])
    _, job = upload(as_admin, geojson(renamed), "社区.geojson", layer="communities")
    with app.app_context():
        db.session.execute(
            update(GridCell)
            .where(GridCell.id == world.cells["A1N"])
            .values(version=GridCell.version + 1)
        )
        db.session.commit()
    failed = commit(as_admin, job)
    assert failed["status"] == "failed" and "重新上传" in failed["error"]["message"]
    assert communities_of(app, "110199001")["110199001001"].name == "甲一社区"


def test_communities_read_in_the_wrong_datum_get_a_hint_naming_the_subdistrict(
    as_admin: FlaskClient, sub_c: int
) -> None:
    from gridapp.core.datums import from_wgs84

    data = frame([(C + "001", "丙一社区", C_WEST), (C + "002", "丙二社区", C_EAST)])
    data["geometry"] = [from_wgs84(g, Datum.GCJ02) for g in data.geometry]
    _, job = upload(as_admin, geojson(data), "社区.geojson", layer="communities")
    hint = job["preview"]["warnings"][0]
    assert "GCJ-02" in hint and "所属街道" in hint
